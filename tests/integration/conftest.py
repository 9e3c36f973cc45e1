"""An in-process app on a real database, for API tests that need no running loops."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kairos.api.app import create_app
from kairos.api.auth import bootstrap, create_key
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow

ADMIN_KEY = "kr_integration_admin_key"


def _admin_client(store: SqlStore) -> Iterator[TestClient]:
    bootstrap(store, utcnow(), ADMIN_KEY)
    runtime = Runtime.build(Settings(min_interval_seconds=60), store, frozenset({"api"}))
    app = create_app(runtime, start_loops=False)
    with TestClient(app, base_url="http://testserver/api/v1/workspaces/default",
                    headers={"X-API-Key": ADMIN_KEY}) as client:
        yield client


@pytest.fixture
def api(store: SqlStore) -> Iterator[TestClient]:
    """A client on /api/v1/workspaces/default with an admin key; loops are not started."""
    yield from _admin_client(store)


@pytest.fixture(scope="module")
def module_store(module_database_url: str) -> Iterator[SqlStore]:
    s = SqlStore(module_database_url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def module_api(module_store: SqlStore) -> Iterator[TestClient]:
    """Like `api`, on one database per module (tests share it: they must not assume it empty)."""
    yield from _admin_client(module_store)


@pytest.fixture
def key_for(store: SqlStore):  # type: ignore[no-untyped-def]
    """Make a key of some role in some workspace; returns its secret."""

    def make(role: str, workspace: str = "default") -> str:
        ws = store.ensure_workspace(workspace, workspace, utcnow())
        _, secret = create_key(store, ws.id, name=f"{role} key", role=role, now=utcnow())
        return secret

    return make


@pytest.fixture
def user_for(store: SqlStore):  # type: ignore[no-untyped-def]
    """Make an account, a member of `workspace` with `role` unless role is None; returns its email.

    Every account's password is `PASSWORD` of tests/integration/access_helpers.py.
    """
    from kairos.api.passwords import hash_password
    from kairos.ids import new_id
    from kairos.store.access import User
    from tests.integration.access_helpers import PASSWORD

    def make(role: str | None, workspace: str = "default", email: str | None = None) -> str:
        now = utcnow()
        user = User(id=new_id("usr"), email=email or f"{new_id('u')[-12:]}@example.com", created_at=now)
        store.add_user(user, hash_password(PASSWORD))
        if role is not None:
            ws = store.ensure_workspace(workspace, workspace, now)
            store.add_member(ws.id, user.id, role, now)
        return user.email

    return make

