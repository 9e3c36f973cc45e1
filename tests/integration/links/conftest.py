"""Fixtures of the scheduler-link tests: a migrated SQLite database copied per test, and an API on it.

Migrating costs seconds; copying a migrated file costs milliseconds, so the many link tests stay
within their time budget. The story tests that must also hold on PostgreSQL use `database_url`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.api.app import create_app
from kairos.api.auth import bootstrap
from kairos.engine.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow

ADMIN_KEY = "kr_links_admin_key"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("links-template") / "kairos.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_store(migrated_sqlite: Path, tmp_path: Path) -> Iterator[SqlStore]:
    copy = tmp_path / "kairos.db"
    shutil.copy(migrated_sqlite, copy)
    store = SqlStore(f"sqlite:///{copy}")
    yield store
    store.close()


def make_api(store: SqlStore, **settings: Any) -> TestClient:
    bootstrap(store, utcnow(), ADMIN_KEY)
    runtime = Runtime.build(Settings(**settings), store, frozenset({"api"}))
    return TestClient(create_app(runtime, start_loops=False),
                      base_url="http://testserver/api/v1/workspaces/default", headers={"X-API-Key": ADMIN_KEY})


@pytest.fixture
def link_key_for(sqlite_store: SqlStore):  # type: ignore[no-untyped-def]
    """Make a key of some role in some workspace of `sqlite_store`; returns its secret."""
    from kairos.api.auth import create_key

    def make(role: str, workspace: str = "default") -> str:
        ws = sqlite_store.ensure_workspace(workspace, workspace, utcnow())
        _, secret = create_key(sqlite_store, ws.id, name=f"{role} key", role=role, now=utcnow())
        return secret

    return make
