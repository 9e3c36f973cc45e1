"""The Lucene-style item filter of `/changes`: each form alone, combined, and the edge cases."""

from __future__ import annotations

from typing import Any

import pytest

from kairos.domain.item_filter import parse_filter
from kairos.exceptions import InvalidInput

ITEMS: list[dict[str, Any]] = [
    {"id": 1, "title": "Rubio talks tariffs", "body": "A tariff on steel", "tags": ["politics"]},
    {"id": 2, "title": "Elon Musk launches", "body": "Rockets and tariff news", "tags": ["space"]},
    {"id": 3, "title": "Bitcoin rallies", "body": "Crypto up; Elon tweets", "tags": ["crypto"]},
    {"id": 4, "title": "Rubio and Biden", "body": "A debate", "author": {"name": "Ann Lee"},
     "price": 42, "sold": True},
    {"id": 5, "title": "Tariff-free zone", "body": "elonmusk fan page", "tags": []},
]


def ids(text: str | None, items: list[Any] = ITEMS) -> list[Any]:
    parsed = parse_filter(text)
    assert parsed is not None
    return [item["id"] if isinstance(item, dict) else item for item in parsed.select(items)]


def test_a_plain_word_matches_whole_words_in_any_string_case_insensitively() -> None:
    assert ids("TARIFF") == [1, 2, 5]  # "tariffs" is another word; "Tariff-free" holds "tariff"
    assert ids("elon") == [2, 3]  # not "elonmusk"


def test_optional_words_need_at_least_one() -> None:
    assert ids("rubio elon") == [1, 2, 3, 4]


def test_required_words_must_all_match() -> None:
    assert ids("+rubio +tariff") == [1]
    assert ids("+rubio") == [1, 4]


def test_required_words_make_optional_ones_only_a_preference() -> None:
    # Lucene: with a MUST clause present, SHOULD clauses are not needed.
    assert ids("+rubio bitcoin") == [1, 4]


def test_excluded_words_drop_items() -> None:
    assert ids("+rubio -biden") == [1]
    assert ids("elon -bitcoin") == [2]


def test_only_excluded_words_keep_everything_else() -> None:
    assert ids("-elon") == [1, 4, 5]
    assert ids("-elon -rubio") == [5]


def test_a_phrase_is_an_exact_substring() -> None:
    assert ids('"elon musk"') == [2]
    assert ids('"launches elon"') == []
    assert ids('"tariff"') == [1, 2, 5]  # substring: also inside "tariffs"


def test_field_value_looks_only_at_that_field() -> None:
    assert ids("title:tariff") == [5]
    assert ids("body:tariff") == [1, 2]
    assert ids('title:"rubio talks"') == [1]


def test_dotted_fields_reach_nested_values_and_lists() -> None:
    assert ids("author.name:ann") == [4]
    assert ids("tags:crypto") == [3]
    assert ids("missing.field:ann") == []


def test_numbers_and_booleans_are_read_as_text() -> None:
    assert ids("price:42") == [4]
    assert ids("sold:true") == [4]
    assert ids("42") == [4]


def test_field_star_asks_for_presence() -> None:
    assert ids("author:*") == [4]
    assert ids("-tags:*") == [4, 5]  # an empty list holds no value


def test_wildcards_inside_words() -> None:
    assert ids("tarif*") == [1, 2, 5]
    assert ids("elon*") == [2, 3, 5]
    assert ids("rub?o") == [1, 4]


def test_boolean_operators_and_groups() -> None:
    assert ids("rubio AND tariff") == [1]
    assert ids("bitcoin OR biden") == [3, 4]
    assert ids("rubio AND NOT biden") == [1]
    assert ids("(bitcoin OR biden) AND -crypto") == [4]
    assert ids("NOT tariff") == [3, 4]
    assert ids("title:(rubio OR bitcoin)") == [1, 3, 4]


def test_combinations_of_every_form() -> None:
    assert ids('+tariff -"elon musk" title:rubio') == [1, 5]
    assert ids('+tariff -"elon musk" +title:rubio') == [1]
    assert ids('+body:tariff +tags:politics') == [1]


def test_scalar_items_match_on_their_text() -> None:
    assert ids("apple", ["apple pie", "banana", 7]) == ["apple pie"]
    assert ids("7", ["apple pie", 7]) == [7]
    assert ids("name:apple", ["apple"]) == []


def test_blank_or_absent_filter_is_no_filter() -> None:
    assert parse_filter(None) is None
    assert parse_filter("") is None
    assert parse_filter("   ") is None


def test_the_filter_keeps_its_text() -> None:
    parsed = parse_filter("+rubio +tariff")
    assert parsed is not None and parsed.text == "+rubio +tariff"


@pytest.mark.parametrize("text", ['"unclosed', "(a OR b", "a AND", "title:", "a:b:c", ")"])
def test_invalid_filters_are_a_400_naming_filter(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_filter(text)
    assert caught.value.status == 400
    assert [e.loc for e in caught.value.errors] == [("query", "filter")]


@pytest.mark.parametrize("text", ["[1 TO 5]", "rubio~2", '"a b"~3', "/regex/"])
def test_unsupported_forms_say_so(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_filter(text)
    assert "not supported" in caught.value.errors[0].msg


def test_overlong_filters_are_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_filter("word " * 300)
