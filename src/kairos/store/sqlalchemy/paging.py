"""Offset and cursor paging over id-ordered queries (ids are time-ordered, newest first)."""

from __future__ import annotations

import binascii
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kairos.exceptions import InvalidInput
from kairos.store.base import Page, PageResult
from kairos.store.sqlalchemy.rows import Row, decode_cursor, encode_cursor

T = TypeVar("T")
COUNT_CAP = 10_000


def paginate(
    conn: Connection,
    query: sa.Select[Any],
    id_column: sa.ColumnElement[str],
    page: Page,
    convert: Callable[[Row], T],
) -> PageResult[T]:
    # Counting a million rows costs more than the page itself, so the count stops at
    # COUNT_CAP: past it `total` is COUNT_CAP and `total_exact` is false (docs/behaviour.md).
    capped = query.order_by(None).with_only_columns(sa.literal(1)).limit(COUNT_CAP + 1)
    total = conn.scalar(sa.select(sa.func.count()).select_from(capped.subquery())) or 0
    if page.cursor:
        try:
            last_id = decode_cursor(page.cursor)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput.field(("query", "cursor"), "not a cursor this API returned") from exc
        query = query.where(id_column < last_id)
    elif page.offset:
        query = query.offset(page.offset)
    rows = list(conn.execute(query.order_by(id_column.desc()).limit(page.limit + 1)).mappings())
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    items = [convert(row) for row in rows]
    next_cursor = encode_cursor(rows[-1]["id"]) if has_more and rows else None
    return PageResult(items=items, total=min(total, COUNT_CAP), total_exact=total <= COUNT_CAP,
                      has_more=has_more, next_cursor=next_cursor)
