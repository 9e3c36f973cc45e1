"""A job's items: how they are derived, hashed, and compared with the previous run's."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def canonical_json(value: Any) -> str:
    """One text per JSON value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def items_of(result: Any, items: Sequence[Any] | None = None) -> list[Any]:
    """The items of a run: those its kind extracted, else a list result, a scalar, or nothing."""
    if items is not None:
        return list(items)
    if result is None:
        return []
    return list(result) if isinstance(result, list) else [result]


def item_hash(item: Any) -> str:
    return hashlib.sha256(canonical_json(item).encode()).hexdigest()


def content_hash(items: Sequence[Any]) -> str:
    """SHA-256 of the items list in canonical JSON. Order matters: a reordered list is a change."""
    return hashlib.sha256(canonical_json(list(items)).encode()).hexdigest()


def item_digests(items: Sequence[Any]) -> tuple[list[str], str]:
    """Each item's hash and the list's `content_hash`, serialising every item once.

    The canonical JSON of a list is its items' canonical JSON joined by commas in brackets, so
    the list hash is built from the same texts the item hashes are.
    """
    texts = [canonical_json(item) for item in items]
    hashes = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
    return hashes, hashlib.sha256(("[" + ",".join(texts) + "]").encode()).hexdigest()


@dataclass(frozen=True, kw_only=True)
class ItemDiff:
    """Which of this run's items are new, and which positions of the previous run's are gone."""

    added: tuple[bool, ...]  # one flag per current item, in order
    removed: tuple[int, ...]  # positions in the previous run


def diff_items(current: Sequence[str], previous: Sequence[str] | None) -> ItemDiff:
    """Compare two runs by item hash, as multisets: a pure reorder adds and removes nothing.

    `previous` None means there was no previous run: every item is new. A duplicated item counts
    once per copy, so two copies after one is one added.
    """
    if previous is None:
        return ItemDiff(added=(True,) * len(current), removed=())
    remaining = Counter(previous)
    added = []
    for digest in current:
        if remaining[digest] > 0:
            remaining[digest] -= 1
            added.append(False)
        else:
            added.append(True)
    removed = []
    # The last copies of a repeated item are the ones reported as gone.
    for position in range(len(previous) - 1, -1, -1):
        digest = previous[position]
        if remaining[digest] > 0:
            remaining[digest] -= 1
            removed.append(position)
    return ItemDiff(added=tuple(added), removed=tuple(sorted(removed)))
