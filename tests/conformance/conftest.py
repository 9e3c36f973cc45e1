"""One migrated database of each kind for the whole suite, an app without loops, seed-shaped checks.

Each test gets a workspace of its own in the module's database (tests stay independent), and
drives fires and job outcomes through the store with its own clock, as the scheduler and the
workers would: no loop runs, nothing sleeps.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kairos.api.app import create_app
from kairos.api.auth import create_key
from kairos.domain.finish import JobOutcome
from kairos.domain.jobs import JobStatus
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.conftest import migrated_database
from tests.integration.helpers import finish

RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def conformance_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    for url in migrated_database(request.param, request, tmp_path_factory):
        store = SqlStore(url)
        yield store
        store.close()


@pytest.fixture(scope="session")
def app(conformance_store: SqlStore) -> FastAPI:
    runtime = Runtime.build(Settings(min_interval_seconds=60), conformance_store, frozenset({"api"}))
    return create_app(runtime, start_loops=False)


@dataclass
class World:
    """A fresh workspace, an admin key to it, and a client that sends what curl sends."""

    store: SqlStore
    app: FastAPI
    slug: str
    workspace_id: str
    key: str
    client: TestClient

    def key_of(self, role: str) -> str:
        _, secret = create_key(self.store, self.workspace_id, name=role, role=role, now=utcnow())
        return secret

    def send(self, method: str, path: str, body: Any = None, *, key: str | None = None,
             content_type: str | None = "application/x-www-form-urlencoded", **headers: str) -> Any:
        """A request as curl makes it: `-d` sends form-urlencoded unless told otherwise."""
        sent = {"X-API-Key": key or self.key, **headers}
        if body is not None and content_type:
            sent["Content-Type"] = content_type
        content = None if body is None else json.dumps(body)
        return self.client.request(method, path, content=content, headers=sent)

    def finish(self, job_id: str, status: JobStatus, at: datetime, items: list[Any] | None = None,
               progress: dict[str, Any] | None = None) -> None:
        """Finish a pending job as a worker would.

        Claims take the oldest pending jobs of the whole database, so jobs of other tests may be
        claimed on the way; they stay running (under a lease nobody renews), which no test reads.
        """
        for _ in range(100):
            claimed = self.store.claim_jobs("conformance-worker", at, 100, 300)
            if job_id in [j.id for j in claimed] or not claimed:
                break
        (job,) = [j for j in claimed if j.id == job_id] or [None]
        assert job is not None, f"{job_id} was not pending"
        outcome = JobOutcome(status=status, result={"ok": status == JobStatus.COMPLETED},
                             error_message=None if status == JobStatus.COMPLETED else "the workflow raised",
                             items=items, progress=progress)
        assert finish(self.store, job, "conformance-worker", outcome, at)


@pytest.fixture
def world(conformance_store: SqlStore, app: FastAPI) -> Iterator[World]:
    slug = f"ws-{uuid.uuid4().hex[:10]}"
    workspace = conformance_store.ensure_workspace(slug, slug, utcnow())
    _, key = create_key(conformance_store, workspace.id, name="admin", role="admin", now=utcnow())
    with TestClient(app, base_url="http://testserver") as client:
        yield World(conformance_store, app, slug, workspace.id, key, client)


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def check_shape(ours: Any, documented: Any, nullable: set[str], where: str = "$") -> None:
    """Every field the seed documents is there, with the documented JSON type (extras allowed)."""
    if isinstance(documented, dict):
        assert isinstance(ours, dict), f"{where}: expected an object, got {ours!r}"
        for key, value in documented.items():
            assert key in ours, f"{where}: documented field {key!r} is missing (have {sorted(ours)})"
            if ours[key] is None and (key in nullable or value is None):
                continue
            check_shape(ours[key], value, nullable, f"{where}.{key}")
            if key.endswith(("_at", "next_run", "last_run")) and ours[key] is not None:
                assert RFC3339_Z.match(ours[key]), f"{where}.{key}: {ours[key]!r} is not RFC 3339 UTC"
    elif isinstance(documented, list):
        assert isinstance(ours, list), f"{where}: expected an array, got {ours!r}"
        if documented:
            for index, item in enumerate(ours):
                check_shape(item, documented[0], nullable, f"{where}[{index}]")
    elif documented is None:
        return
    elif isinstance(documented, bool):
        assert isinstance(ours, bool), f"{where}: expected a boolean, got {ours!r}"
    elif isinstance(documented, int):
        assert isinstance(ours, int) and not isinstance(ours, bool), f"{where}: expected an integer, got {ours!r}"
    elif isinstance(documented, float):
        assert isinstance(ours, int | float) and not isinstance(ours, bool), f"{where}: expected a number"
    else:
        assert isinstance(ours, str), f"{where}: expected a string, got {ours!r}"


def problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The answer is problem+json with `status`, naming `field` when given."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = dict(response.json())
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    if field is not None:
        assert field in body["detail"], body
    return body


def send_curl(world: World, curl: Any, path: str, *, key: str | None = None) -> Any:
    """Send a seed's curl example to `path` with exactly its body and Content-Type.

    Without `-H Content-Type`, curl's `-d` says `application/x-www-form-urlencoded`.
    """
    content_type = curl.headers.get("Content-Type", "application/x-www-form-urlencoded")
    return world.send(curl.method, path, curl.body, key=key, content_type=content_type)
