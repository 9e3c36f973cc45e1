"""Strategies are checked before they are saved: each bad selector, regex or combination is named."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kairos.domain.strategies import build_strategy
from kairos.exceptions import InvalidInput
from kairos.kinds.scrape.selectors import check_strategy

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def problems(**sent: Any) -> list[tuple[tuple[str | int, ...], str]]:
    try:
        check_strategy(build_strategy({"name": "t", **sent}, strategy_id="strat_t", workspace_id="ws_t", now=NOW))
    except InvalidInput as exc:
        return [(e.loc, e.msg) for e in exc.errors]
    return []


def test_valid_strategies_of_each_type_pass() -> None:
    assert problems(type="css", item="div.p:not(.ad)", fields={"t": "h2::text", "u": "a::attr(href)"}) == []
    assert problems(type="xpath", item="//div[has-class('p')]", fields={"t": "string(.//h2)"}) == []
    assert problems(type="json", item="data[?price > `3`]", fields={"n": "name"}) == []
    assert problems(type="api", request={"url": "https://x.example/{p}"}, fields={"n": "name"}) == []


def test_bad_selectors_are_named_by_their_place() -> None:
    found = problems(type="css", item="div[", fields={"a": "h2::text", "b": "a::bogus",
                                                      "c": {"selector": "p", "regex": "(unclosed"}})
    assert [loc for loc, _ in found] == [("item",), ("fields", "b", "selector"), ("fields", "c", "regex")]
    assert found[0][1].startswith("not a valid CSS selector")
    assert problems(type="xpath", fields={"a": "//div["})[0][0] == ("fields", "a", "selector")
    assert problems(type="json", fields={"a": "data[?"})[0][1].startswith("not a valid JMESPath expression")


def test_combinations_that_cannot_work() -> None:
    assert [loc for loc, _ in problems(type="css", fields={})] == [("fields",)]
    assert [loc for loc, _ in problems(type="json", fields={"a": {"selector": "a", "attr": "href"}})] == [
        ("fields", "a", "attr")]
    assert [loc for loc, _ in problems(type="api", fields={"a": "a"})] == [("request",)]
    assert [loc for loc, _ in problems(type="css", fields={"a": "a"}, request={"url": "https://x"},
                                       parameters={"p": 1})] == [("request",), ("parameters",)]
    assert [loc for loc, _ in problems(fields={"a": "a"})] == [("type",)]
