"""Prefixed, time-ordered identifiers (UUIDv7), such as `sched_0193…`."""

from __future__ import annotations

import uuid_utils


def new_id(prefix: str) -> str:
    """A new id: the prefix, an underscore and a UUIDv7, so ids sort by creation time."""
    return f"{prefix}_{uuid_utils.uuid7()}"
