"""A Celery job's retry is a new Celery task: its own id, so the first attempt's result does not end it.

The worker keeps results in a Redis result backend that the link names too, so the link watcher
asks the backend about every job that waits long for its events (as it must for workers without
-E). A retry published under the first attempt's id would find that attempt's FAILURE there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.links.conftest import WorkerUrl, live_api, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def fleet(sqlite_store: SqlStore, celery_worker: str) -> Iterator[TestClient]:
    with live_api(sqlite_store, 120) as client:
        yield client



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
