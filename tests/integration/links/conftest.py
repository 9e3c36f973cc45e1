"""Fixtures of the scheduler-link tests: a migrated SQLite database copied per test, and an API on it.

Migrating costs seconds; copying a migrated file costs milliseconds, so the many link tests stay
within their time budget. The story tests that must also hold on PostgreSQL use `database_url`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.api.app import create_app
from kairos.api.auth import bootstrap
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.links.services import RABBIT_BROKER, RABBIT_QUEUE, WORKER_BROKER

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


@contextmanager
def live_api(store: SqlStore, outcome_timeout: float) -> Iterator[TestClient]:
    """The API with its scheduler, worker and link watcher running (watching every 0.3 s)."""
    bootstrap(store, utcnow(), ADMIN_KEY)
    settings = Settings(allow_private_networks=True, link_watch_interval_seconds=0.3,
                        celery_outcome_timeout_seconds=outcome_timeout, min_interval_seconds=1)
    runtime = Runtime.build(settings, store, frozenset({"api", "scheduler", "worker"}))
    with TestClient(create_app(runtime), base_url="http://testserver/api/v1/workspaces/default",
                    headers={"X-API-Key": ADMIN_KEY}) as client:
        yield client


def wait_for(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll `check()` until it is truthy; its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


@pytest.fixture
def link_key_for(sqlite_store: SqlStore):  # type: ignore[no-untyped-def]
    """Make a key of some role in some workspace of `sqlite_store`; returns its secret."""
    from kairos.api.auth import create_key

    def make(role: str, workspace: str = "default") -> str:
        ws = sqlite_store.ensure_workspace(workspace, workspace, utcnow())
        _, secret = create_key(sqlite_store, ws.id, name=f"{role} key", role=role, now=utcnow())
        return secret

    return make


PROJECT = Path(__file__).parent.parent.parent / "celery_project"


class WorkerUrl(str):
    """The worker's broker URL, with the worker's log (which names every task it received)."""

    log: Path


@contextmanager
def celery_worker_process(broker: str, log: Path, *options: str, backend: str | None = None) -> Iterator[None]:
    """A real `celery worker -E` of the test project on `broker` (storing results in `backend`, if
    given), logging to `log`, until the block ends."""
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "proj", "worker", "-E", "--pool=solo", "--loglevel=info",
             "--without-mingle", "--without-gossip", *options],
            cwd=PROJECT, env={**os.environ, "KAIROS_TEST_BROKER": broker, "KAIROS_TEST_BACKEND": backend or ""},
            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker on {broker} did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.2)
        yield
    finally:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture(scope="session")
def celery_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerUrl]:
    """One real `celery worker -E` of the test project on a Redis db of our own; its broker URL.

    The worker keeps results in the same db, so a link's `result_backend` can be that URL too."""
    import redis

    from tests.integration.links.services import require_redis

    require_redis()
    client = redis.Redis.from_url(WORKER_BROKER)
    client.flushdb()
    url = WorkerUrl(WORKER_BROKER)
    url.log = tmp_path_factory.mktemp("celery") / "worker.log"
    try:
        with celery_worker_process(WORKER_BROKER, url.log, "-n", "kairos-test@%h", backend=WORKER_BROKER):
            yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="session")
def rabbit_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `celery worker -E` of the test project on RabbitMQ, consuming a queue of our own."""
    import kombu

    from tests.integration.links.services import require_rabbitmq

    require_rabbitmq()
    log = tmp_path_factory.mktemp("rabbit") / "worker.log"
    try:
        with celery_worker_process(RABBIT_BROKER, log, "-Q", RABBIT_QUEUE, "-n", "kairos-rabbit@%h"):
            yield RABBIT_BROKER
    finally:
        with kombu.Connection(RABBIT_BROKER) as connection:
            connection.default_channel.queue_delete(RABBIT_QUEUE)
