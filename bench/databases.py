"""Throw-away databases: SQLite files in one temp dir and PostgreSQL databases, all removed."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa

from kairos.api.auth import bootstrap
from kairos.store.base import Workspace
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow

PG_ADMIN_URL = os.environ.get(
    "KAIROS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# One admin key per run: the HTTP measurements send it, bootstrap stores its hash.
API_KEY = "kr_" + secrets.token_urlsafe(32)


def _admin_engine() -> sa.Engine:
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT",
                            connect_args={"connect_timeout": 3})


def postgres_available() -> bool:
    engine = _admin_engine()
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


class Databases:
    """Hands out fresh database URLs; `drop()` one as soon as it is done, `close()` the rest."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kairos-bench-"))
        self._postgres: list[str] = []
        self.has_postgres = postgres_available()

    def path(self, name: str) -> Path:
        return self.dir / name

    def new(self, backend: str, name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.dir / (name + '.db')}"
        database = f"kairos_bench_{name}_{uuid.uuid4().hex[:8]}"
        engine = _admin_engine()
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
        finally:
            engine.dispose()
        url = sa.make_url(PG_ADMIN_URL).set(database=database)
        text = url.render_as_string(hide_password=False)
        self._postgres.append(text)
        return text

    def drop(self, url: str) -> None:
        parsed = sa.make_url(url)
        if parsed.get_backend_name() == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
            return
        engine = _admin_engine()
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        finally:
            engine.dispose()
        if url in self._postgres:
            self._postgres.remove(url)

    def close(self) -> None:
        for url in list(self._postgres):
            self.drop(url)
        shutil.rmtree(self.dir, ignore_errors=True)


def prepare(url: str) -> tuple[SqlStore, Workspace]:
    """Migrate, create workspace `default` with the run's admin key, return the store."""
    upgrade(url)
    store = SqlStore(url)
    bootstrap(store, utcnow(), API_KEY)
    return store, store.get_workspace("default")
