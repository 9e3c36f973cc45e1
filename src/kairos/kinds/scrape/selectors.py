"""Checking a strategy's selectors before they are saved, and compiling what can be compiled once.

Each selector is run once against a tiny document by parsel itself, so "valid" means exactly
what the engine will accept (parsel's CSS pseudo-elements `::text` and `::attr(name)`, its
XPath extensions such as `has-class`), rather than a second parser's opinion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jmespath
from cssselect import SelectorError
from parsel import Selector

from kairos.domain.strategies import FieldSpec, Strategy, StrategyType
from kairos.exceptions import FieldError, InvalidInput

_PROBE_HTML = Selector(text="<html><body><p>probe</p></body></html>", type="html")
_PROBE_JSON = Selector(root={"probe": [1]}, type="json")
_LANGUAGE = {StrategyType.CSS: "CSS selector", StrategyType.XPATH: "XPath expression",
             StrategyType.JSON: "JMESPath expression", StrategyType.API: "JMESPath expression"}


@dataclass(frozen=True)
class CompiledField:
    name: str
    spec: FieldSpec
    regex: re.Pattern[str] | None
    is_link: bool  # its values are URLs, resolved against the page's address


# The selectors whose values are links: `attr: href|src`, or the same attribute in the selector.
_LINK_ATTRS = ("href", "src")
_LINK_SELECTOR = re.compile(r"(::attr\(\s*(href|src)\s*\)|/@(href|src))\s*$", re.IGNORECASE)


def selector_problem(kind: StrategyType, selector: str) -> str | None:
    """Why this selector cannot run, or None when it can."""
    try:
        if kind == StrategyType.CSS:
            _PROBE_HTML.css(selector)
        elif kind == StrategyType.XPATH:
            _PROBE_HTML.xpath(selector)
        else:
            jmespath.compile(selector)
    except (SelectorError, ValueError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"not a valid {_LANGUAGE[kind]}: {message}"
    return None


def compile_fields(strategy: Strategy) -> list[CompiledField]:
    """Every field with its regex compiled; InvalidInput naming each selector or regex that is wrong."""
    errors: list[FieldError] = []
    if strategy.item is not None:
        problem = selector_problem(strategy.type, strategy.item)
        if problem:
            errors.append(FieldError(("item",), problem))
    compiled = []
    for name, spec in strategy.fields.items():
        problem = selector_problem(strategy.type, spec.selector)
        if problem:
            errors.append(FieldError(("fields", name, "selector"), problem))
        regex = None
        if spec.regex is not None:
            try:
                regex = re.compile(spec.regex)
            except re.error as exc:
                errors.append(FieldError(("fields", name, "regex"), f"not a valid regular expression: {exc}"))
        if spec.attr is not None and not spec.attr.strip():
            errors.append(FieldError(("fields", name, "attr"), "may not be empty"))
        is_link = strategy.reads_markup and (
            (spec.attr or "").lower() in _LINK_ATTRS or bool(_LINK_SELECTOR.search(spec.selector))
        )
        compiled.append(CompiledField(name=name, spec=spec, regex=regex, is_link=is_link))
    if errors:
        raise InvalidInput(errors=errors)
    return compiled


def check_strategy(strategy: Strategy) -> None:
    """Raise InvalidInput (naming `item`, `fields.<name>.selector`, `.regex`…) unless every selector runs."""
    compile_fields(strategy)
