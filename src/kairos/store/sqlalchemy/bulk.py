"""Bulk inserts straight to the driver, for the thousands of rows a job's items can make.

SQLAlchemy's per-row parameter processing costs more than SQLite's own work when one write holds
thousands of rows, so those values are converted once here (the same conversions the column
types do) and the driver gets plain tuples. The fire path writes its batches as sets instead
(fire_sets.py); everything else goes through SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from kairos.store.sqlalchemy.tables import UTCDateTime

Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _json_text(value: Any) -> Any:
    if value is None:
        return None
    return "{}" if value == {} else json.dumps(value)


def _jsonb(value: Any) -> Any:
    return None if value is None else Jsonb(value)


@lru_cache(maxsize=64)
def _plan(table: sa.Table, columns: tuple[str, ...], dialect: str) -> tuple[str, tuple[Convert, ...]]:
    marker = "?" if dialect == "sqlite" else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join(marker for _ in columns)})")
    converters: list[Convert] = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, UTCDateTime):
            if dialect == "sqlite":
                to_text = column_type.bind_processor(sqlite.dialect())
                assert to_text is not None
                converters.append(to_text)
            else:
                converters.append(_identity)
        elif isinstance(column_type, sa.JSON):
            converters.append(_json_text if dialect == "sqlite" else _jsonb)
        else:
            converters.append(_identity)
    return sql, tuple(converters)


def _memoized(convert: Convert) -> Convert:
    """A batch repeats its few instants (now, the due times) thousands of times: convert each once."""
    if convert is _identity:
        return convert
    seen: dict[Any, Any] = {}

    def cached(value: Any) -> Any:
        key = (type(value), value)  # the type keeps True and 1 apart
        try:
            return seen[key]
        except KeyError:
            seen[key] = result = convert(value)
            return result
        except TypeError:  # unhashable (a JSON object): nothing to share
            return convert(value)

    return cached


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (all with the same keys) in one driver-level executemany."""
    if not rows:
        return
    columns = tuple(rows[0])
    sql, converters = _plan(table, columns, conn.dialect.name)
    pairs = [(name, _memoized(convert)) for name, convert in zip(columns, converters, strict=True)]
    conn.exec_driver_sql(sql, [tuple([convert(row[name]) for name, convert in pairs]) for row in rows])

