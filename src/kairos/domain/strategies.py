"""Strategies: how to pull items out of a page (css, xpath), a JSON document (json) or an API (api).

A strategy is data only. The extraction engine (`kairos.kinds.scrape.extract`) reads it; this
module builds and changes it from what a user sent, and refuses combinations that cannot work
(a request template on a css strategy, an `attr` on a JSON field…), naming the field. Whether
each selector compiles is checked by the engine (`kairos.kinds.scrape.selectors`), which knows
the selector languages.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from kairos.exceptions import FieldError, InvalidInput
from kairos.timeutil import ensure_aware


class StrategyType(StrEnum):
    CSS = "css"
    XPATH = "xpath"
    JSON = "json"
    API = "api"


MARKUP_TYPES = (StrategyType.CSS, StrategyType.XPATH)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# `{name}` in a request template. Only identifiers count, so the braces of a JSON text body
# (`{"a": 1}`) are never mistaken for a placeholder.
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclasses.dataclass(frozen=True, kw_only=True)
class FieldSpec:
    """One named value of an item: a selector and what to do with what it matched."""

    selector: str
    attr: str | None = None
    regex: str | None = None
    all: bool = False  # every match, as a list, instead of the first
    default: Any = None  # the value when nothing matched
    required: bool = False  # an item without this value is dropped

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RequestTemplate:
    """The request an `api` strategy makes; `{param}` placeholders are filled when it runs."""

    method: str = "GET"
    url: str
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    body: Any = None  # a text, or a JSON value whose strings may hold placeholders

    def placeholders(self) -> list[str]:
        """Every parameter name the template uses, in order of first appearance."""
        found: dict[str, None] = {}
        for text in self._texts():
            for match in PLACEHOLDER.finditer(text):
                found.setdefault(match.group(1), None)
        return list(found)

    def _texts(self) -> Iterator[str]:
        yield self.url
        yield from self.headers.values()
        yield from _strings(self.body)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Strategy:
    id: str
    workspace_id: str
    name: str
    description: str = ""
    type: StrategyType
    item: str | None = None  # None: the whole document is one item
    fields: dict[str, FieldSpec] = dataclasses.field(default_factory=dict)
    request: RequestTemplate | None = None
    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", StrategyType(self.type))
        object.__setattr__(self, "created_at", ensure_aware(self.created_at, "created_at"))
        object.__setattr__(self, "updated_at", ensure_aware(self.updated_at, "updated_at"))

    @property
    def reads_markup(self) -> bool:
        return self.type in MARKUP_TYPES


def field_spec(raw: str | Mapping[str, Any]) -> FieldSpec:
    """A field as sent: a bare selector string, or the object form."""
    if isinstance(raw, str):
        return FieldSpec(selector=raw)
    return FieldSpec(
        selector=raw["selector"], attr=raw.get("attr"), regex=raw.get("regex"),
        all=bool(raw.get("all", False)), default=raw.get("default"),
        required=bool(raw.get("required", False)),
    )


def request_template(raw: Mapping[str, Any]) -> RequestTemplate:
    return RequestTemplate(method=str(raw.get("method") or "GET").upper(), url=raw["url"],
                           headers=dict(raw.get("headers") or {}), body=raw.get("body"))


def build_strategy(sent: Mapping[str, Any], *, strategy_id: str, workspace_id: str,
                   now: datetime) -> Strategy:
    """A new strategy from the fields a user sent (already shaped by the API schema)."""
    if not sent.get("type"):
        raise InvalidInput.field("type", "give the strategy's type: css, xpath, json or api")
    strategy = Strategy(
        id=strategy_id, workspace_id=workspace_id, name=sent["name"],
        description=sent.get("description") or "", type=StrategyType(sent["type"]),
        item=sent.get("item") or None,
        fields={name: field_spec(spec) for name, spec in (sent.get("fields") or {}).items()},
        request=request_template(sent["request"]) if sent.get("request") else None,
        parameters=dict(sent.get("parameters") or {}), created_at=now, updated_at=now,
    )
    check_structure(strategy)
    return strategy


def change_strategy(current: Strategy, changes: Mapping[str, Any], *, now: datetime) -> Strategy:
    """`current` with the sent subset of fields replaced (PATCH and PUT alike)."""
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = changes["name"]
    if "description" in changes:
        values["description"] = changes["description"] or ""
    if "type" in changes:
        values["type"] = StrategyType(changes["type"])
    if "item" in changes:
        values["item"] = changes["item"] or None
    if "fields" in changes:
        values["fields"] = {name: field_spec(spec) for name, spec in (changes["fields"] or {}).items()}
    if "request" in changes:
        values["request"] = request_template(changes["request"]) if changes["request"] else None
    if "parameters" in changes:
        values["parameters"] = dict(changes["parameters"] or {})
    if not values:
        return current
    updated = dataclasses.replace(current, **values, updated_at=now)
    check_structure(updated)
    return updated


def check_structure(strategy: Strategy) -> None:
    """Refuse combinations the engine cannot run; every problem names its field."""
    errors: list[FieldError] = []
    if strategy.type == StrategyType.API:
        if strategy.request is None:
            errors.append(FieldError(("request",), "an api strategy needs a request template "
                                                   "with at least a url"))
        else:
            errors += _request_errors(strategy.request)
    elif strategy.request is not None:
        errors.append(FieldError(("request",), f"only api strategies make requests; this one is "
                                               f"{strategy.type}"))
    if strategy.parameters and strategy.type != StrategyType.API:
        errors.append(FieldError(("parameters",), "only api strategies take parameters"))
    if strategy.reads_markup and not strategy.fields:
        errors.append(FieldError(("fields",), f"a {strategy.type} strategy needs at least one field"))
    for name, spec in strategy.fields.items():
        if not name.strip():
            errors.append(FieldError(("fields", name), "a field name may not be empty"))
        if not spec.selector.strip():
            errors.append(FieldError(("fields", name, "selector"), "may not be empty"))
        if spec.attr is not None and not strategy.reads_markup:
            errors.append(FieldError(("fields", name, "attr"),
                                     "attributes exist only in HTML; use the JMESPath selector"))
    if errors:
        raise InvalidInput(errors=errors)


def _request_errors(request: RequestTemplate) -> list[FieldError]:
    errors = []
    if request.method not in METHODS:
        errors.append(FieldError(("request", "method"), f"must be one of {', '.join(METHODS)}"))
    if not request.url.lower().startswith(("http://", "https://")) and not _starts_with_placeholder(request.url):
        errors.append(FieldError(("request", "url"), "must start with http://, https:// or a "
                                                     "{placeholder} holding the address"))
    for header, value in request.headers.items():
        if not header.strip() or any(c in header for c in ":\r\n") or any(c in value for c in "\r\n"):
            errors.append(FieldError(("request", "headers", header),
                                     "not a valid header name and value"))
    if request.body is not None and request.method == "GET":
        errors.append(FieldError(("request", "body"), "a GET request carries no body"))
    return errors


def _starts_with_placeholder(url: str) -> bool:
    match = PLACEHOLDER.match(url)
    return match is not None and match.start() == 0
