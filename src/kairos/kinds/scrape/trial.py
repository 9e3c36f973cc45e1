"""Trying a strategy from the API: on inline HTML or JSON, on a page fetched now, or on an API's answer.

Nothing is stored. Fetching goes through the same guarded client and fetcher as scrape jobs
(`fetch_document` is the one place that fetches), without retries or politeness waits: the
person testing is waiting for the answer.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from kairos import outbound
from kairos.domain.strategies import Strategy, StrategyType
from kairos.exceptions import FetchFailed, FieldError, InvalidInput
from kairos.kinds.scrape.extract import Extraction, extract
from kairos.kinds.scrape.fetch import FetchedPage, Fetcher, FetchSettings, OutgoingRequest
from kairos.kinds.scrape.request import outgoing_request, render_request
from kairos.settings import Settings


@dataclass(frozen=True, kw_only=True)
class TrialInput:
    """What the test runs on: exactly one of `url`, `html`, `document` (inline JSON), or, for
    an api strategy, nothing at all (its own request is made)."""

    url: str | None = None
    html: str | None = None
    document: Any = None
    has_document: bool = False
    parameters: Mapping[str, Any] | None = None


def fetch_document(target: OutgoingRequest, settings: Settings) -> FetchedPage:
    """Fetch one page or API answer for a strategy test; raises FetchFailed naming the URL.

    The operator's limits (timeouts, size cap) apply; retries and politeness waits do not, as
    the person testing is waiting for the answer.
    """
    trial = dataclasses.replace(FetchSettings.from_settings(settings), max_attempts=1, politeness_delay=0.0)
    with outbound.make_client(allow_private_networks=settings.allow_private_networks) as client:
        return Fetcher(trial).fetch(client, target)


def _check_url(url: str, loc: tuple[str, ...]) -> None:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidInput.field(loc, f"not a valid URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidInput.field(loc, "must be an http:// or https:// URL with a host")


def _source_errors(strategy: Strategy, given: TrialInput) -> list[FieldError]:
    sources = [name for name, present in (("url", given.url is not None), ("html", given.html is not None),
                                          ("json", given.has_document)) if present]
    if len(sources) > 1:
        return [FieldError((sources[1],), f"give one of url, html and json, not {' and '.join(sources)}")]
    if strategy.reads_markup:
        if given.has_document:
            return [FieldError(("json",), f"a {strategy.type} strategy reads HTML: send `html` or `url`")]
        if not sources:
            return [FieldError(("url",), "send the `url` of a page to fetch, or inline `html`")]
    else:
        if given.html is not None:
            return [FieldError(("html",), f"a {strategy.type} strategy reads JSON: send `json` or `url`")]
        if strategy.type == StrategyType.JSON and not sources:
            return [FieldError(("url",), "send the `url` of a JSON document to fetch, or inline `json`")]
    if given.parameters and strategy.type != StrategyType.API:
        return [FieldError(("parameters",), "only api strategies take parameters")]
    return []


def try_strategy(strategy: Strategy, given: TrialInput, settings: Settings) -> Extraction:
    """The items `strategy` extracts from what was given; InvalidInput/ExtractionError say why not."""
    errors = _source_errors(strategy, given)
    if errors:
        raise InvalidInput(errors=errors)
    if given.html is not None:
        return extract(strategy, given.html)
    if given.has_document:
        return extract(strategy, json.dumps(given.document))
    if strategy.type == StrategyType.API:
        parameters = dict(given.parameters or {})
        if given.url is not None:
            _check_url(given.url, ("url",))
            parameters.setdefault("url", given.url)  # as a scrape job offers its URL: `{url}`
        rendered = render_request(strategy, parameters)
        loc: tuple[str, ...] = ("request", "url")
        _check_url(rendered.url, loc)
        target = outgoing_request(rendered)
    else:
        assert given.url is not None
        loc = ("url",)
        _check_url(given.url, loc)
        target = OutgoingRequest(url=given.url)
    try:
        page = fetch_document(target, settings)
    except FetchFailed as exc:
        raise InvalidInput(f"{target.method} {exc.url}: {exc.reason}",
                           errors=[FieldError(loc, f"{exc.url}: {exc.reason}")]) from None
    return extract(strategy, page.text, url=page.url)
