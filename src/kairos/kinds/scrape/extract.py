"""The extraction engine: a strategy and a document in, a list of items out.

One engine serves all four strategy types, through parsel: CSS and XPath over HTML, JMESPath
over JSON (`json`, and the answer of an `api` strategy's request). Its rules:

- `item` selects the items; without one the whole document is one item. Fields are evaluated
  relative to each item.
- A field takes the first value its selector matched (`all`: every value, as a list). From HTML,
  a text node or attribute is its text, an element is its whole text content, and `attr` takes
  that attribute of each matched element; text is whitespace-normalised and empty texts are
  skipped. From JSON, values keep their JSON type.
- `regex` keeps the values it matches, as its first group (or the whole match when it has no
  group). `default` stands in when nothing is left; an item whose `required` field is missing is
  dropped. Links (`href`, `src`) are made absolute against the page's address (and `<base>`).
- An item selector matching nothing, or a document in which no field matched anything, is an
  `ExtractionError` naming the selector; a field that matched nothing in any item is a warning.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from parsel import Selector, SelectorList

from kairos.domain.strategies import Strategy, StrategyType
from kairos.exceptions import ExtractionError, InvalidInput
from kairos.kinds.scrape.selectors import CompiledField, compile_fields

# A sentinel: nothing matched (None is a value a JSON document may hold).
_MISSING: Any = object()


@dataclass(frozen=True)
class Extraction:
    items: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


def extract(strategy: Strategy, document: str, *, url: str | None = None) -> Extraction:
    """The items `strategy` extracts from `document` (HTML or JSON text) fetched from `url`."""
    try:
        fields = compile_fields(strategy)
    except InvalidInput as exc:
        first = exc.errors[0] if exc.errors else None
        raise ExtractionError(f"the strategy is not valid: {exc.detail}",
                              loc=first.loc if first else ()) from None
    root = _parse(strategy, document, url)
    base = _base_url(root, url) if any(f.is_link for f in fields) else None
    items = _select(strategy.type, root, strategy.item, ("item",))
    if strategy.item is not None and not items:
        raise ExtractionError(f"the item selector {strategy.item!r} matched nothing", loc=("item",))
    return _Run(strategy, fields, base).collect(items)


def _parse(strategy: Strategy, document: str, url: str | None) -> Selector:
    if strategy.reads_markup:
        return Selector(text=document, type="html", base_url=url)
    try:
        data = json.loads(document)
    except ValueError as exc:
        raise ExtractionError(f"the document is not JSON: {exc}", loc=("document",)) from None
    return Selector(root=data, type="json")


def _base_url(root: Selector, url: str | None) -> str | None:
    declared = root.css("base::attr(href)").get()
    if declared:
        return urljoin(url, declared.strip()) if url else declared.strip()
    return url


def _select(kind: StrategyType, sel: Selector, query: str | None,
            loc: tuple[str | int, ...]) -> SelectorList[Selector]:
    if query is None:
        return SelectorList([sel])
    try:
        if kind == StrategyType.CSS:
            return sel.css(query)
        if kind == StrategyType.XPATH:
            return sel.xpath(query)
        return sel.jmespath(query)
    except ValueError as exc:  # a JMESPath function given the wrong type, an XPath runtime error
        raise ExtractionError(f"the selector {query!r} failed: {exc}", loc=loc) from None


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _markup_values(matches: Iterable[Selector], attr: str | None) -> Iterator[Any]:
    for match in matches:
        root = match.root
        if isinstance(root, str):  # a text node or attribute value (`::text`, `@href`)
            value: Any = _normalise(root)
        elif isinstance(root, bool | int | float):  # an XPath function's answer (count(), boolean())
            yield root
            continue
        elif attr is not None:
            found = root.get(attr) if hasattr(root, "get") else None
            if found is None:
                continue
            value = _normalise(found)
        else:
            value = _normalise("".join(root.itertext()))
        if value:
            yield value


def _json_values(matches: Iterable[Selector]) -> Iterator[Any]:
    for match in matches:
        yield match.root


class _Run:
    """One extraction: the fields applied to each item, with what went missing counted."""

    def __init__(self, strategy: Strategy, fields: list[CompiledField], base: str | None) -> None:
        self.strategy = strategy
        self.fields = fields
        self.base = base
        self.matched = {f.name: 0 for f in fields}
        self.dropped = {f.name: 0 for f in fields}

    def collect(self, items: SelectorList[Selector]) -> Extraction:
        results = []
        for item in items:
            extracted = self.item(item)
            if extracted is not None:
                results.append(extracted)
        return Extraction(items=results, warnings=self.finish(len(items), len(results)))

    def item(self, item: Selector) -> dict[str, Any] | None:
        if not self.fields:
            value = item.root
            return value if isinstance(value, dict) else {"value": value}
        out: dict[str, Any] = {}
        for compiled in self.fields:
            value = self.value(item, compiled)
            spec = compiled.spec
            if value is _MISSING:
                if spec.required:
                    self.dropped[compiled.name] += 1
                    return None
                value = spec.default
            else:
                self.matched[compiled.name] += 1
            out[compiled.name] = value
        return out

    def value(self, item: Selector, compiled: CompiledField) -> Any:
        spec = compiled.spec
        matches = _select(self.strategy.type, item, spec.selector, ("fields", compiled.name, "selector"))
        values = (_markup_values(matches, spec.attr) if self.strategy.reads_markup
                  else _json_values(matches))
        if compiled.regex is not None:
            values = _regex_values(values, compiled)
        if compiled.is_link and self.base:
            values = (urljoin(self.base, v) if isinstance(v, str) else v for v in values)
        if spec.all:
            found = list(values)
            return found if found else _MISSING
        return next(values, _MISSING)

    def finish(self, seen: int, kept: int) -> list[str]:
        warnings = []
        for compiled in self.fields:
            name, selector = compiled.name, compiled.spec.selector
            if self.dropped[name]:
                warnings.append(f"{self.dropped[name]} of {seen} items dropped: required field "
                                f"{name!r} (selector {selector!r}) matched nothing in them")
            elif seen and not self.matched[name]:
                warnings.append(f"field {name!r}: selector {selector!r} matched nothing in any "
                                f"of the {seen} items")
        if seen and not kept:
            name = next(n for n, count in self.dropped.items() if count)
            selector = self.strategy.fields[name].selector
            raise ExtractionError(f"every item was dropped: the required field {name!r} (selector "
                                  f"{selector!r}) matched nothing", loc=("fields", name, "selector"))
        if self.strategy.item is None and self.fields and not any(self.matched.values()):
            names = ", ".join(f"{f.name} ({f.spec.selector!r})" for f in self.fields)
            raise ExtractionError(f"no field matched anything in the document: {names}",
                                  loc=("fields", self.fields[0].name, "selector"))
        return warnings


def _regex_values(values: Iterable[Any], compiled: CompiledField) -> Iterator[Any]:
    assert compiled.regex is not None
    for value in values:
        if value is None:
            continue
        match = compiled.regex.search(value if isinstance(value, str) else json.dumps(value))
        if match is None:
            continue
        kept = match.group(1) if compiled.regex.groups else match.group(0)
        if kept is not None:
            yield kept
