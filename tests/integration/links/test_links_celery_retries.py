"""A Celery job's retry is a new Celery task: its own id, so the first attempt's result does not end it.

The worker keeps results in a Redis result backend that the link names too, so the link watcher
asks the backend about every job that waits long for its events (as it must for workers without
-E). A retry published under the first attempt's id would find that attempt's FAILURE there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.links.conftest import ADMIN_KEY, WorkerUrl

pytestmark = pytest.mark.slow


@pytest.fixture
def fleet(sqlite_store: SqlStore, celery_worker: str) -> Iterator[TestClient]:
    from kairos.api.app import create_app
    from kairos.api.auth import bootstrap
    from kairos.runtime import Runtime
    from kairos.settings import Settings
    from kairos.timeutil import utcnow

    bootstrap(sqlite_store, utcnow(), ADMIN_KEY)
    settings = Settings(allow_private_networks=True, link_watch_interval_seconds=0.3,
                        celery_outcome_timeout_seconds=120, min_interval_seconds=1)
    runtime = Runtime.build(settings, sqlite_store, frozenset({"api", "scheduler", "worker"}))
    with TestClient(create_app(runtime), base_url="http://testserver/api/v1/workspaces/default",
                    headers={"X-API-Key": ADMIN_KEY}) as client:
        yield client


def wait_for(check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_a_retry_runs_under_its_own_task_id_and_ends_with_its_own_outcome(
        fleet: TestClient, celery_worker: WorkerUrl, tmp_path: Path) -> None:
    link = fleet.post("/scheduler-links", json={
        "name": "fleet", "type": "celery-beat", "broker_url": celery_worker, "result_backend": celery_worker,
        "source": {"kind": "json", "beat_schedule": {}}}).json()
    wait_for(lambda: fleet.get(f"/scheduler-links/{link['id']}").json()["worker_events"]["seen"], 20)

    # Attempt 1 fails at once; attempt 2 runs for 12 s, past the 10 s after which the watcher asks
    # the result backend, which holds attempt 1's FAILURE under the job's id.
    marker = tmp_path / "flaky"
    created = fleet.post("/jobs", json={"task": "proj.tasks.flaky", "args": [str(marker), 12], "executor": "celery",
                                        "max_attempts": 2, "retry_delay_seconds": 1})
    assert created.status_code == 201, created.text
    job_id = created.json()["id"]

    def ended() -> dict[str, Any] | None:
        job = fleet.get(f"/jobs/{job_id}").json()
        return job if job["status"] not in ("pending", "running") else None

    done = wait_for(ended, 60)
    assert (done["status"], done["attempt"]) == ("completed", 2), done
    assert done["result"]["result"] == "'second attempt'"
    assert done["task_id"] == f"{job_id}.2"
    log = celery_worker.log.read_text()
    assert log.count(f"proj.tasks.flaky[{job_id}] received") == 1
    assert log.count(f"proj.tasks.flaky[{job_id}.2] received") == 1
