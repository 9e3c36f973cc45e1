"""CSS strategies: items and fields, text, attributes, regexes, lists, defaults and links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kairos.domain.strategies import Strategy, build_strategy
from kairos.exceptions import ExtractionError
from kairos.kinds.scrape.extract import extract

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)

PAGE = """
<html><head><title>Shop</title></head><body>
  <div class="product">
    <h2>  Desk
        lamp </h2>
    <a href="/p/lamp?ref=list">details</a>
    <img src="img/lamp.png">
    <span class="price">Price: 19.90 EUR</span>
    <span class="tag">light</span><span class="tag">desk</span>
  </div>
  <div class="product">
    <h2>Chair</h2>
    <a href="https://other.example/chair">details</a>
    <img src="//cdn.example/chair.png">
    <span class="tag"> </span>
  </div>
</body></html>
"""


def css(**fields: Any) -> Strategy:
    return build_strategy({"name": "t", "type": "css", **fields}, strategy_id="strat_t",
                          workspace_id="ws_t", now=NOW)


def test_each_item_gets_its_fields_in_order() -> None:
    strategy = css(item="div.product", fields={"title": "h2::text", "price": ".price::text"})
    result = extract(strategy, PAGE)
    assert result.items == [
        {"title": "Desk lamp", "price": "Price: 19.90 EUR"},
        {"title": "Chair", "price": None},
    ]
    assert list(result.items[0]) == ["title", "price"]


def test_an_element_gives_its_whole_text_normalised() -> None:
    page = "<div class='x'><p>Hello <b>big</b>\n\n   world</p></div>"
    result = extract(css(item="div.x", fields={"text": "p"}), page)
    assert result.items == [{"text": "Hello big world"}]


def test_attr_and_relative_links_resolve_against_the_page_url() -> None:
    strategy = css(item="div.product", fields={
        "url": {"selector": "a", "attr": "href"},
        "image": "img::attr(src)",
    })
    result = extract(strategy, PAGE, url="https://shop.example/catalog/index.html")
    assert result.items == [
        {"url": "https://shop.example/p/lamp?ref=list", "image": "https://shop.example/catalog/img/lamp.png"},
        {"url": "https://other.example/chair", "image": "https://cdn.example/chair.png"},
    ]


def test_links_stay_as_written_without_a_page_url_and_base_tag_wins_with_one() -> None:
    strategy = css(item="div.product", fields={"url": {"selector": "a", "attr": "href"}})
    assert extract(strategy, PAGE).items[0] == {"url": "/p/lamp?ref=list"}
    based = PAGE.replace("<title>", '<base href="https://mirror.example/shop/"><title>')
    assert extract(strategy, based, url="https://shop.example/x").items[0] == {
        "url": "https://mirror.example/p/lamp?ref=list"}


def test_regex_keeps_its_first_group_or_the_whole_match() -> None:
    strategy = css(item="div.product", fields={
        "amount": {"selector": ".price::text", "regex": r"(\d+\.\d+)"},
        "currency": {"selector": ".price::text", "regex": r"[A-Z]{3}"},
    })
    assert extract(strategy, PAGE).items[0] == {"amount": "19.90", "currency": "EUR"}


def test_all_lists_every_match_and_skips_empty_text() -> None:
    strategy = css(item="div.product", fields={"tags": {"selector": ".tag::text", "all": True}})
    assert [item["tags"] for item in extract(strategy, PAGE).items] == [["light", "desk"], None]


def test_default_stands_in_when_nothing_matched() -> None:
    strategy = css(item="div.product", fields={
        "price": {"selector": ".price::text", "default": "unknown"},
        "tags": {"selector": ".tag::text", "all": True, "default": []},
    })
    assert extract(strategy, PAGE).items[1] == {"price": "unknown", "tags": []}


def test_required_field_drops_the_item_and_says_so() -> None:
    strategy = css(item="div.product", fields={
        "title": "h2::text", "price": {"selector": ".price::text", "required": True},
    })
    result = extract(strategy, PAGE)
    assert result.items == [{"title": "Desk lamp", "price": "Price: 19.90 EUR"}]
    assert result.warnings == ["1 of 2 items dropped: required field 'price' (selector '.price::text') "
                               "matched nothing in them"]


def test_without_item_the_whole_page_is_one_item() -> None:
    strategy = css(fields={"title": "title::text", "products": {"selector": "h2::text", "all": True}})
    assert extract(strategy, PAGE).items == [{"title": "Shop", "products": ["Desk lamp", "Chair"]}]


def test_item_selector_matching_nothing_is_an_error_naming_it() -> None:
    strategy = css(item="li.result", fields={"title": "h2::text"})
    with pytest.raises(ExtractionError) as caught:
        extract(strategy, PAGE)
    assert "'li.result'" in caught.value.detail and "matched nothing" in caught.value.detail
    assert caught.value.loc == ("item",)


def test_a_field_matching_nothing_anywhere_is_a_warning_naming_it() -> None:
    strategy = css(item="div.product", fields={"title": "h2::text", "sku": ".sku::text"})
    result = extract(strategy, PAGE)
    assert [item["sku"] for item in result.items] == [None, None]
    assert result.warnings == ["field 'sku': selector '.sku::text' matched nothing in any of the 2 items"]


def test_every_item_dropped_is_an_error_naming_the_required_field() -> None:
    strategy = css(item="div.product", fields={"sku": {"selector": ".sku::text", "required": True}})
    with pytest.raises(ExtractionError) as caught:
        extract(strategy, PAGE)
    assert "'sku'" in caught.value.detail and "'.sku::text'" in caught.value.detail
    assert caught.value.loc == ("fields", "sku", "selector")


def test_whole_page_where_no_field_matched_is_an_error_naming_the_selectors() -> None:
    strategy = css(fields={"title": "h1::text", "lead": "p.lead::text"})
    with pytest.raises(ExtractionError) as caught:
        extract(strategy, PAGE)
    assert "title ('h1::text')" in caught.value.detail and "lead ('p.lead::text')" in caught.value.detail
