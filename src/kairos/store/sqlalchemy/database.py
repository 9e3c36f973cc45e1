"""Engines and transactions: one place that knows SQLite from PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from kairos.exceptions import KairosError

# `UPDATE … FROM` (the set-based fire path) arrived in SQLite 3.33 (2020).
OLDEST_SQLITE = (3, 33, 0)


def check_sqlite_version(version: str = sqlite3.sqlite_version) -> None:
    """Refuse to start on a SQLite library too old for the fire path, rather than never firing."""
    if tuple(int(part) for part in version.split(".")[:3]) < OLDEST_SQLITE:
        raise KairosError(f"SQLite {version} is too old: Kairos needs {'.'.join(map(str, OLDEST_SQLITE))} or newer "
                          "(or set KAIROS_DATABASE_URL to PostgreSQL)")


def _sqlite_engine(url: sa.URL, immediate: bool) -> Engine:
    check_sqlite_version()
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL survives a killed process (every commit is in the
        # log); only a power cut can lose the last commits. Documented in docs/storage.md.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front: a deferred transaction that later tries to
        # write can fail with SQLITE_BUSY instead of waiting, which would lose the work.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """The engines of one store: `write()` and `read()` give a connection in a transaction."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = sa.make_url(url)
        self.dialect = self.url.get_backend_name()
        if self.dialect == "sqlite":
            self.write_engine = _sqlite_engine(self.url, immediate=True)
            self.read_engine = _sqlite_engine(self.url, immediate=False)
        else:
            self.write_engine = sa.create_engine(
                self.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )
            self.read_engine = self.write_engine

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.write_engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.read_engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


def status_is(column: sa.ColumnElement[Any], status: StrEnum) -> sa.ColumnElement[bool]:
    """`column = '<status>'` with the value written into the SQL rather than bound.

    SQLite uses a partial index (`WHERE status = 'pending'`) only when the query carries the
    same literal; the value still comes from the domain's enum, never from a string typed here.
    """
    return column == sa.literal_column(f"'{status.value}'")
