"""Rendering an `api` strategy's request template with its parameters.

The strategy's `parameters` are defaults; a schedule's or job's `parameters` override them one
by one. A `{name}` placeholder with no value is an error naming the parameter. Where a value
lands decides how it is written:

- in the URL it is percent-encoded, so `{q}` = "new york" gives `q=new%20york`, except a
  placeholder that starts the URL (`{url}`, `{base}/items`): that one is the address itself;
- in a header, or inside a longer string of the body, it is written as text;
- a body string that is exactly one placeholder (`"{limit}"`) takes the parameter's JSON value,
  so numbers, booleans, lists and objects keep their type in a JSON body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from kairos.domain.strategies import PLACEHOLDER, Strategy, StrategyType
from kairos.exceptions import ExtractionError
from kairos.kinds.scrape.fetch import OutgoingRequest

_WHOLE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")


@dataclass(frozen=True)
class RenderedRequest:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))  # true, 3, [1,2]: as JSON writes them


def _missing(name: str, where: str) -> ExtractionError:
    return ExtractionError(f"the request needs the parameter {name!r} (used in {where}); give it "
                           "in the strategy's parameters or the schedule's", loc=("parameters", name))


def _fill(template: str, values: Mapping[str, Any], where: str, *, encode: bool) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise _missing(name, where)
        text = _text(values[name])
        return quote(text, safe="") if encode and match.start() > 0 else text

    return PLACEHOLDER.sub(replace, template)


def _fill_json(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _WHOLE.match(value)
        if whole:
            if whole.group(1) not in values:
                raise _missing(whole.group(1), "the body")
            return values[whole.group(1)]
        return _fill(value, values, "the body", encode=False)
    if isinstance(value, Mapping):
        return {key: _fill_json(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_json(item, values) for item in value]
    return value


def render_request(strategy: Strategy, parameters: Mapping[str, Any] | None = None) -> RenderedRequest:
    """The request an `api` strategy makes with these parameters over its defaults."""
    if strategy.type != StrategyType.API or strategy.request is None:
        raise ExtractionError(f"a {strategy.type} strategy makes no request", loc=("request",))
    template = strategy.request
    values = {**strategy.parameters, **(parameters or {})}
    url = _fill(template.url, values, "the URL", encode=True)
    headers = {name: _fill(value, values, f"the header {name}", encode=False)
               for name, value in template.headers.items()}
    body: str | None = None
    if isinstance(template.body, str):
        body = _fill(template.body, values, "the body", encode=False)
    elif template.body is not None:
        body = json.dumps(_fill_json(template.body, values))
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
    return RenderedRequest(method=template.method, url=url, headers=headers, body=body)


def outgoing_request(rendered: RenderedRequest) -> OutgoingRequest:
    """The rendered template as the fetcher sends it (jobs and strategy tests alike)."""
    return OutgoingRequest(url=rendered.url, method=rendered.method, headers=rendered.headers,
                           body=rendered.body.encode() if rendered.body is not None else None)
