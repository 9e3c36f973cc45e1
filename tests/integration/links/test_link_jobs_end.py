"""Every job of a link ends: waiting for a beat that never comes, or orphaned by the link's deletion.

No Celery worker here: nobody consumes the broker, so only the outcome timeout or the unlinking
ends these jobs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.links.conftest import live_api, wait_for
from tests.integration.links.services import WORKER_BROKER, require_redis

pytestmark = pytest.mark.slow


@pytest.fixture
def outcome_timeout() -> float:
    return 3


@pytest.fixture
def kairos(sqlite_store: SqlStore, outcome_timeout: float) -> Iterator[TestClient]:
    require_redis()
    with live_api(sqlite_store, outcome_timeout) as client:
        yield client



def link(kairos: TestClient, name: str, **fields: Any) -> dict[str, Any]:
    created = kairos.post("/scheduler-links", json={"name": name, "type": "celery-beat", **fields,
                                                    "source": {"kind": "json", "beat_schedule": {}}})
    assert created.status_code == 201, created.text
    return dict(created.json())


def job(kairos: TestClient, link_id: str) -> str:
    created = kairos.post("/jobs", json={"task": "proj.tasks.add", "args": [1, 1], "executor": "celery",
                                         "link_id": link_id})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def ended(kairos: TestClient, job_id: str, timeout: float) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        found = kairos.get(f"/jobs/{job_id}").json()
        return found if found["status"] not in ("pending", "running") else None

    return dict(wait_for(done, timeout))


def test_a_beat_link_needs_a_broker(kairos: TestClient) -> None:
    refused = kairos.post("/scheduler-links", json={"name": "beat", "type": "celery-beat", "publisher": "beat",
                                                    "source": {"kind": "json", "beat_schedule": {}}})
    assert refused.status_code == 400, refused.text
    assert [e["loc"] for e in refused.json()["errors"]] == [["body", "broker_url"]]


def test_a_fire_no_beat_claims_fails_after_the_outcome_timeout(kairos: TestClient) -> None:
    beat = link(kairos, "beat", publisher="beat", broker_url=WORKER_BROKER)
    job_id = job(kairos, beat["id"])
    wait_for(lambda: kairos.get(f"/jobs/{job_id}").json()["status"] == "running", 10)
    done = ended(kairos, job_id, 20)
    assert done["status"] == "failed" and done["attempt"] == 1, done
    assert done["error_message"].startswith("not published: no beat claimed it"), done


@pytest.mark.parametrize("outcome_timeout", [600])
def test_deleting_a_link_cancels_the_jobs_it_holds(kairos: TestClient) -> None:
    beat = link(kairos, "beat", publisher="beat", broker_url=WORKER_BROKER)
    waiting = job(kairos, beat["id"])
    claimed = job(kairos, beat["id"])
    wait_for(lambda: all(kairos.get(f"/jobs/{j}").json()["status"] == "running" for j in (waiting, claimed)), 10)
    items = kairos.post("/scheduler-links:claim", json={"beat": "holder", "limit": 1}).json()["items"]
    assert len(items) == 1
    # A fleet link's job, published to a queue nobody consumes.
    fleet = link(kairos, "fleet", broker_url=WORKER_BROKER)
    sent = kairos.post("/jobs", json={"task": "proj.tasks.add", "args": [1, 1], "executor": "celery",
                                      "link_id": fleet["id"]}).json()["id"]
    wait_for(lambda: kairos.get(f"/jobs/{sent}").json()["task_id"], 10)

    for gone in (beat, fleet):
        assert kairos.delete(f"/scheduler-links/{gone['id']}").status_code == 200
    for job_id in (waiting, claimed, sent):
        done = kairos.get(f"/jobs/{job_id}").json()
        assert done["status"] == "cancelled" and "link was deleted" in done["error_message"], done
