"""Seed 003 on a real Celery fleet: trigger sends the task, the worker runs it, its events settle the fire.

One worker (`celery worker -E`, the test project) serves the whole file; Kairos runs its loops,
so the link watcher's event receiver is what records fires and outcomes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.links.conftest import live_api, wait_for
from tests.integration.links.services import REDBEAT_URL
from tests.seed_bodies import DAILY_DIGEST

pytestmark = pytest.mark.slow

BEAT = {
    "adder": {"task": "proj.tasks.add", "schedule": 30, "args": [2, 3]},
    "breaker": {"task": "proj.tasks.fail", "schedule": {"type": "crontab", "minute": "0", "hour": "3"},
                "args": ["boom"]},
    "nowhere": {"task": "proj.tasks.add", "schedule": 3600, "args": [0, 1],
                "options": {"queue": "kairos-test-nobody-listens"}},
}


@pytest.fixture
def fleet(sqlite_store: SqlStore, celery_worker: str) -> Iterator[TestClient]:
    with live_api(sqlite_store, 6) as client:
        yield client



def listening(client: TestClient, link_id: str) -> None:
    """Celery events are not kept for late listeners: wait until the link's receiver hears the worker."""
    wait_for(lambda: client.get(f"/scheduler-links/{link_id}").json()["worker_events"]["seen"])


def finished_job(client: TestClient, job_id: str, timeout: float = 20.0) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        job = client.get(f"/jobs/{job_id}").json()
        return job if job["status"] not in ("pending", "running") else None

    return dict(wait_for(done, timeout))


def test_trigger_sends_the_task_and_the_fire_follows_its_outcome(fleet: TestClient, celery_worker: str) -> None:
    link = fleet.post("/scheduler-links", json={"name": "fleet", "type": "celery-beat", "broker_url": celery_worker,
                                                "source": {"kind": "json", "beat_schedule": BEAT}}).json()
    fleet.post("/schedules:import", json={})
    schedules = {s["name"]: s for s in fleet.get("/schedules").json()["items"]}
    listening(fleet, link["id"])

    triggered = fleet.post(f"/schedules/{schedules['adder']['id']}/trigger")
    assert triggered.status_code == 201, triggered.text
    job = triggered.json()
    assert job["task_id"] == job["id"] and job["status"] == "running"
    fires = fleet.get(f"/schedules/{schedules['adder']['id']}/fires").json()["items"]
    assert [(f["task_id"], f["trigger"]) for f in fires] == [(job["id"], "manual")]  # before any event

    done = finished_job(fleet, job["id"])
    assert done["status"] == "completed" and done["result"]["result"] == "5"
    fire = fleet.get(f"/schedules/{schedules['adder']['id']}/fires").json()["items"][0]
    assert (fire["task_id"], fire["status"]) == (job["id"], "succeeded")

    failed = finished_job(fleet, fleet.post(f"/schedules/{schedules['breaker']['id']}/trigger").json()["id"])
    assert failed["status"] == "failed" and "boom" in failed["error_message"]

    # A task the beat publishes (not Kairos) is a recorded fire of the schedule it matches.
    from celery import Celery

    beat = Celery("beat", broker=celery_worker, set_as_current=False)
    beat_task_id = str(uuid.uuid4())
    beat.send_task("proj.tasks.add", args=(2, 3), task_id=beat_task_id)
    beat.close()

    def beat_fire() -> dict[str, Any] | None:
        for f in fleet.get(f"/schedules/{schedules['adder']['id']}/fires").json()["items"]:
            if f["task_id"] == beat_task_id and f["status"] == "succeeded":
                return dict(f)
        return None

    assert wait_for(beat_fire)["trigger"] == "schedule"
    assert fleet.get(f"/scheduler-links/{link['id']}").json()["worker_events"]["note"] is None

    # Nobody consumes this queue: no event comes back, and after the timeout the fire says so.
    lost = fleet.post(f"/schedules/{schedules['nowhere']['id']}/trigger").json()
    unknown = finished_job(fleet, lost["id"], timeout=30)
    assert unknown["status"] == "failed" and unknown["error_message"].startswith("outcome unknown")


def test_seed_003_create_body_and_trigger_answer_at_the_canonical_path(fleet: TestClient, celery_worker: str) -> None:
    import json

    import redis

    keys = redis.Redis.from_url(REDBEAT_URL)
    keys.flushdb()
    try:
        link = fleet.post("/scheduler-links", json={
            "name": "redbeat", "type": "celery-beat", "broker_url": celery_worker,
            "source": {"kind": "redbeat", "redis_url": REDBEAT_URL}}).json()
        listening(fleet, link["id"])
        body = {**DAILY_DIGEST, "task": "proj.tasks.add", "args": [20, 22], "kwargs": {}}
        created = fleet.post("/schedules", json=body)
        assert created.status_code == 201, created.text
        schedule = created.json()
        assert schedule["scheduler"] == "celery-beat" and schedule["trigger"]["hour"] == "9"
        definition = json.loads(keys.hget("redbeat:email.daily-digest", "definition") or "{}")
        assert definition["task"] == "proj.tasks.add" and definition["schedule"]["__type__"] == "crontab"
        answer = fleet.post(f"/schedules/{schedule['id']}/trigger")
        assert answer.status_code == 201 and answer.json()["task_id"]
        assert finished_job(fleet, answer.json()["id"])["result"]["result"] == "42"
    finally:
        keys.flushdb()
        keys.close()


def test_kairos_schedules_and_jobs_with_executor_celery_run_on_the_fleet(fleet: TestClient, celery_worker: str) -> None:
    refused = fleet.post("/jobs", json={"task": "proj.tasks.add", "args": [1, 2], "executor": "celery"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["loc"] == ["body", "executor"]
    link = fleet.post("/scheduler-links", json={"name": "fleet", "type": "celery-beat", "broker_url": celery_worker,
                                                "source": {"kind": "json", "beat_schedule": {}}}).json()
    listening(fleet, link["id"])

    job = fleet.post("/jobs", json={"task": "proj.tasks.add", "args": [4, 5], "executor": "celery"})
    assert job.status_code == 201, job.text
    done = finished_job(fleet, job.json()["id"])
    assert done["status"] == "completed" and done["task_id"] == done["id"] and done["result"]["result"] == "9"

    # Kairos decides when (its own scheduler); the fleet runs it.
    schedule = fleet.post("/schedules", json={"name": "every second", "interval_seconds": 1, "task": "proj.tasks.add",
                                              "args": [1, 1], "executor": "celery", "link_id": link["id"]}).json()
    assert schedule["scheduler"] == "kairos" and schedule["executor"] == "celery"

    def two_succeeded() -> bool:
        fires = fleet.get(f"/schedules/{schedule['id']}/fires").json()["items"]
        return sum(1 for f in fires if f["status"] == "succeeded" and f["task_id"] == f["job_id"]) >= 2

    wait_for(two_succeeded, timeout=30)
    fleet.post(f"/schedules/{schedule['id']}/disable")


def test_a_rabbitmq_fleet_runs_a_triggered_task_and_reports_it(fleet: TestClient, rabbit_worker: str) -> None:
    from tests.integration.links.conftest import RABBIT_QUEUE

    beat = {"on.rabbit": {"task": "proj.tasks.add", "schedule": 60, "args": [6, 7], "options": {"queue": RABBIT_QUEUE}}}
    link = fleet.post("/scheduler-links", json={"name": "rabbit", "type": "celery-beat", "broker_url": rabbit_worker,
                                                "source": {"kind": "json", "beat_schedule": beat}}).json()
    assert link["broker_url"] == "amqp://guest:****@127.0.0.1:5672//"
    fleet.post("/schedules:import", json={"link_id": link["id"]})
    listening(fleet, link["id"])
    schedule = fleet.get("/schedules", params={"link_id": link["id"]}).json()["items"][0]
    job = fleet.post(f"/schedules/{schedule['id']}/trigger").json()
    done = finished_job(fleet, job["id"])
    assert done["status"] == "completed" and done["result"]["result"] == "13" and done["task_id"] == job["id"]
