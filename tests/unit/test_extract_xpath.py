"""XPath strategies: the same engine with XPath selectors, including text nodes, attributes and functions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kairos.domain.strategies import Strategy, build_strategy
from kairos.exceptions import ExtractionError
from kairos.kinds.scrape.extract import extract

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)

PAGE = """<html><body><table id="releases">
<tr><td class="v">1.2.0</td><td><a href="notes/1.2.0.html">notes</a></td><td>2026-04-01</td></tr>
<tr><td class="v">1.1.3</td><td><a href="notes/1.1.3.html">notes</a></td><td>2026-02-11</td></tr>
</table></body></html>"""


def xpath(**fields: Any) -> Strategy:
    return build_strategy({"name": "t", "type": "xpath", **fields}, strategy_id="strat_t",
                          workspace_id="ws_t", now=NOW)


def test_rows_and_relative_fields() -> None:
    strategy = xpath(item="//table[@id='releases']//tr", fields={
        "version": "./td[@class='v']/text()",
        "notes": "./td/a/@href",
        "date": {"selector": "./td[3]", "regex": r"(\d{4})-\d\d-\d\d"},
    })
    result = extract(strategy, PAGE, url="https://example.org/project/releases")
    assert result.items == [
        {"version": "1.2.0", "notes": "https://example.org/project/notes/1.2.0.html", "date": "2026"},
        {"version": "1.1.3", "notes": "https://example.org/project/notes/1.1.3.html", "date": "2026"},
    ]
    assert result.warnings == []


def test_attr_on_matched_elements_and_numbers_from_functions() -> None:
    strategy = xpath(fields={"links": {"selector": "//a", "attr": "href", "all": True},
                             "rows": "count(//tr)"})
    assert extract(strategy, PAGE).items == [
        {"links": ["notes/1.2.0.html", "notes/1.1.3.html"], "rows": 2.0}]


def test_item_xpath_matching_nothing_names_it() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(xpath(item="//ul/li", fields={"v": "text()"}), PAGE)
    assert caught.value.detail == "the item selector '//ul/li' matched nothing"
