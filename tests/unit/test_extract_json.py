"""JSON strategies: JMESPath items and fields, values that keep their JSON type."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kairos.domain.strategies import Strategy, build_strategy
from kairos.exceptions import ExtractionError
from kairos.kinds.scrape.extract import extract

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)

DOC = json.dumps({
    "data": {"products": [
        {"id": 1, "name": "Lamp", "price": {"amount": 19.9}, "tags": ["light", "desk"], "stock": None,
         "desc": "  two   spaces  "},
        {"id": 2, "name": "Chair", "price": {"amount": 45}, "tags": []},
    ]},
    "total": 2,
})


def as_json(**fields: Any) -> Strategy:
    return build_strategy({"name": "t", "type": "json", **fields}, strategy_id="strat_t",
                          workspace_id="ws_t", now=NOW)


def test_items_and_fields_keep_json_types() -> None:
    strategy = as_json(item="data.products", fields={
        "id": "id", "price": "price.amount", "tags": {"selector": "tags", "all": True, "default": []},
        "desc": "desc",
    })
    assert extract(strategy, DOC).items == [
        {"id": 1, "price": 19.9, "tags": ["light", "desk"], "desc": "  two   spaces  "},
        {"id": 2, "price": 45, "tags": [], "desc": None},
    ]


def test_without_fields_each_item_is_kept_whole() -> None:
    strategy = as_json(item="data.products[?price.amount > `20`]")
    assert extract(strategy, DOC).items == [
        {"id": 2, "name": "Chair", "price": {"amount": 45}, "tags": []}]


def test_without_item_the_document_is_one_item() -> None:
    assert extract(as_json(fields={"total": "total", "names": "data.products[].name"}), DOC).items == [
        {"total": 2, "names": "Lamp"}]


def test_regex_on_json_values() -> None:
    strategy = as_json(item="data.products", fields={"cents": {"selector": "price.amount", "regex": r"\.(\d+)"}})
    assert [item["cents"] for item in extract(strategy, DOC).items] == ["9", None]


def test_item_path_matching_nothing_is_an_error() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(as_json(item="data.items", fields={"id": "id"}), DOC)
    assert "'data.items'" in caught.value.detail


def test_a_document_that_is_not_json_is_an_error() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(as_json(item="data"), "<html>not json</html>")
    assert "not JSON" in caught.value.detail


def test_a_jmespath_function_on_the_wrong_type_names_the_field() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(as_json(item="data.products", fields={"n": "length(id)"}), DOC)
    assert caught.value.loc == ("fields", "n", "selector")
