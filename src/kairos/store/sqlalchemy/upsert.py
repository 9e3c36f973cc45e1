"""INSERT … ON CONFLICT for both dialects: the one statement that makes "unique by Reddit id,
updated when seen again" a single round trip with no read-then-write race."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def upsert(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]], *,
           keys: Sequence[str], update: Sequence[str] = ()) -> None:
    """Insert `rows`; where one with the same `keys` exists, overwrite its `update` columns
    (or leave it as it is when `update` is empty)."""
    if not rows:
        return
    insert = postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
    if update:
        statement = insert.on_conflict_do_update(
            index_elements=list(keys), set_={name: insert.excluded[name] for name in update})
    else:
        statement = insert.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(statement, list(rows))
