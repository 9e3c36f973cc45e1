"""Helpers of the access tests: an app with chosen settings, signing in, reading every table."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kairos.api.app import create_app
from kairos.api.auth import bootstrap
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.store import SqlStore
from kairos.store.sqlalchemy.tables import metadata
from kairos.timeutil import utcnow

PASSWORD = "correct horse battery staple"
ROOT = "http://testserver"
WS = f"{ROOT}/api/v1/workspaces"


def make_app(store: SqlStore, admin_key: str, **settings: Any) -> FastAPI:
    bootstrap(store, utcnow(), admin_key)
    runtime = Runtime.build(Settings(min_interval_seconds=60, **settings), store, frozenset({"api"}))
    return create_app(runtime, start_loops=False)


def signed_in(app: FastAPI, email: str, password: str = PASSWORD) -> tuple[TestClient, str]:
    """A client holding a session cookie for `email`, and the session's CSRF token."""
    client = TestClient(app, base_url=ROOT)
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return client, str(response.json()["csrf_token"])


def every_stored_value(store: SqlStore) -> str:
    """The text of every row of every table, to search for anything that should not be there."""
    parts = []
    with store.db.read() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)
