"""API strategies: rendering the request template with parameters, then extracting from the JSON answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kairos.domain.strategies import Strategy, build_strategy
from kairos.exceptions import ExtractionError, InvalidInput
from kairos.kinds.scrape.extract import extract
from kairos.kinds.scrape.request import render_request

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def api(request: dict[str, Any], parameters: dict[str, Any] | None = None, **more: Any) -> Strategy:
    return build_strategy({"name": "t", "type": "api", "request": request, "parameters": parameters or {},
                           **more}, strategy_id="strat_t", workspace_id="ws_t", now=NOW)


def test_defaults_fill_the_url_and_schedule_parameters_override_them() -> None:
    strategy = api({"url": "https://api.example.com/v1/search?q={q}&page={page}"}, {"q": "lamps", "page": 1})
    assert render_request(strategy, {}).url == "https://api.example.com/v1/search?q=lamps&page=1"
    rendered = render_request(strategy, {"q": "new york/soho", "page": 3})
    assert rendered.method == "GET" and rendered.body is None
    assert rendered.url == "https://api.example.com/v1/search?q=new%20york%2Fsoho&page=3"


def test_a_leading_placeholder_is_the_address_itself() -> None:
    strategy = api({"url": "{url}?format=json"})
    assert render_request(strategy, {"url": "https://example.com/feed"}).url == "https://example.com/feed?format=json"


def test_headers_and_a_json_body_keep_types() -> None:
    strategy = api({"method": "post", "url": "https://api.example.com/graph",
                    "headers": {"Authorization": "Bearer {token}"},
                    "body": {"query": "items({kind})", "limit": "{limit}", "flags": ["{flag}"]}},
                   {"token": "abc", "kind": "books", "limit": 25, "flag": True})
    rendered = render_request(strategy, {})
    assert rendered.method == "POST"
    assert rendered.headers == {"Authorization": "Bearer abc", "Content-Type": "application/json"}
    assert json.loads(rendered.body or "") == {"query": "items(books)", "limit": 25, "flags": [True]}


def test_a_text_body_is_filled_as_text_and_json_braces_are_left_alone() -> None:
    strategy = api({"method": "PUT", "url": "https://api.example.com/x", "body": '{"name": "{name}"}'},
                   {"name": "Paris"})
    rendered = render_request(strategy, {})
    assert rendered.body == '{"name": "Paris"}' and "Content-Type" not in rendered.headers


def test_a_missing_parameter_is_an_error_naming_it() -> None:
    strategy = api({"url": "https://api.example.com/v1/{city}/forecast?days={days}"}, {"days": 3})
    with pytest.raises(ExtractionError) as caught:
        render_request(strategy, {})
    assert caught.value.loc == ("parameters", "city")
    assert "'city'" in caught.value.detail and "URL" in caught.value.detail


def test_placeholders_are_listed_in_order() -> None:
    strategy = api({"url": "https://x.example/{a}/{b}?c={a}", "headers": {"X-Key": "{key}"}})
    assert strategy.request is not None
    assert strategy.request.placeholders() == ["a", "b", "key"]


def test_the_answer_is_extracted_with_jmespath() -> None:
    strategy = api({"url": "https://api.example.com/v1/forecast"}, item="days", fields={"day": "date",
                                                                                      "max": "temp.max"})
    answer = json.dumps({"days": [{"date": "2026-05-04", "temp": {"max": 21}}]})
    assert extract(strategy, answer).items == [{"day": "2026-05-04", "max": 21}]


@pytest.mark.parametrize(("request_body", "loc"), [
    ({"url": "ftp://example.com/x"}, ("request", "url")),
    ({"url": "https://example.com", "method": "TRACE"}, ("request", "method")),
    ({"url": "https://example.com", "headers": {"Bad:Name": "x"}}, ("request", "headers", "Bad:Name")),
    ({"url": "https://example.com", "body": "x"}, ("request", "body")),
])
def test_bad_request_templates_name_the_field(request_body: dict[str, Any], loc: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput) as caught:
        api(request_body)
    assert [e.loc for e in caught.value.errors] == [loc]
