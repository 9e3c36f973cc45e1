"""Comparing two runs' items: hashes, multisets, reorders and duplicates."""

from __future__ import annotations

from kairos.domain.items import content_hash, diff_items, item_digests, item_hash, items_of


def test_items_come_from_the_kind_else_from_the_result() -> None:
    assert items_of({"pages": []}, [{"a": 1}]) == [{"a": 1}]
    assert items_of([1, 2]) == [1, 2]
    assert items_of("one") == ["one"]
    assert items_of(None) == []
    assert items_of({"pages": []}, []) == []


def test_the_content_hash_ignores_key_order_but_not_item_order() -> None:
    assert content_hash([{"a": 1, "b": 2}]) == content_hash([{"b": 2, "a": 1}])
    assert content_hash([1, 2]) != content_hash([2, 1])
    assert item_hash({"a": 1, "b": 2}) == item_hash({"b": 2, "a": 1})


def test_a_first_run_adds_everything() -> None:
    diff = diff_items(["a", "b"], None)
    assert (diff.added, diff.removed) == ((True, True), ())


def test_added_and_removed_are_found_by_hash() -> None:
    diff = diff_items(["a", "c", "d"], ["a", "b", "c"])
    assert diff.added == (False, False, True)
    assert diff.removed == (1,)


def test_a_pure_reorder_adds_and_removes_nothing() -> None:
    diff = diff_items(["c", "b", "a"], ["a", "b", "c"])
    assert (diff.added, diff.removed) == ((False, False, False), ())


def test_duplicates_count_once_per_copy() -> None:
    assert diff_items(["a", "a"], ["a"]).added == (False, True)
    gone = diff_items(["a"], ["a", "b", "a"])
    assert gone.removed == (1, 2)


def test_item_digests_serialise_once_and_agree_with_content_hash() -> None:
    items = [{"b": 1, "a": [1, 2.5, None]}, "tëxt", 3, None, {"nested": {"z": True, "y": "é"}}]
    hashes, digest = item_digests(items)
    assert hashes == [item_hash(item) for item in items]
    assert digest == content_hash(items)
    assert item_digests([]) == ([], content_hash([]))
