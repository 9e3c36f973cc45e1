"""Controlling jobs on the real process: cancel, live progress, retries, unknown tasks."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.acceptance.conftest import KairosProcess, finished_job, job_state, list_all, wait_for

pytestmark = pytest.mark.slow


def new_job(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/jobs", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_cancel_stops_a_running_job_and_frees_its_worker(kairos_factory: Any) -> None:
    # One job slot: the next job can only run if the cancelled one really let go of it.
    process: KairosProcess = kairos_factory(env_extra={"KAIROS_WORKERS": "1"})
    process.start()
    with process.client() as client:
        sleeper = new_job(client, {"task": "kairos.sleep", "kwargs": {"seconds": 30}})
        wait_for(lambda: job_state(client, sleeper["id"])["status"] == "running", timeout=5,
                 what="the sleep job to start")
        follower = new_job(client, {"task": "kairos.echo", "args": ["after"]})
        time.sleep(0.5)
        assert job_state(client, follower["id"])["status"] == "pending", "the only slot is busy"

        asked = time.monotonic()
        response = client.delete(f"/jobs/{sleeper['id']}")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "cancelled"
        done = finished_job(client, sleeper["id"], timeout=2)
        assert done["status"] == "cancelled"
        assert done["completed_at"] is not None
        assert "cancel" in (done["error_message"] or "")

        after = finished_job(client, follower["id"], timeout=3)
        assert after["status"] == "completed"
        assert after["result"] == {"args": ["after"], "kwargs": {}}
        assert time.monotonic() - asked < 3.5, "the worker slot was not freed promptly"
        # The cancelled job stays cancelled: its thread's late outcome must not overwrite it.
        time.sleep(1.2)
        assert job_state(client, sleeper["id"])["status"] == "cancelled"


def test_cancelling_a_finished_job_is_a_409_problem(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        job = new_job(client, {"task": "kairos.echo"})
        assert finished_job(client, job["id"])["status"] == "completed"
        response = client.delete(f"/jobs/{job['id']}")
        assert response.status_code == 409, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 409
        assert job["id"] in problem["detail"] and "finished" in problem["detail"]
        assert job_state(client, job["id"])["status"] == "completed"


def test_progress_is_visible_while_the_job_runs(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        job = new_job(client, {"task": "kairos.sleep", "kwargs": {"seconds": 4,
                                                                  "message": "counting"}})
        seen: list[float] = []

        def progressed() -> bool:
            current = job_state(client, job["id"])
            if current["status"] == "running" and "current" in current["progress"]:
                seen.append(current["progress"]["current"])
            return len(set(seen) - {0}) >= 2

        wait_for(progressed, timeout=6, interval=0.2, what="two progress steps while running")
        running = job_state(client, job["id"])
        assert running["progress"]["total"] == 4
        assert running["progress"]["message"] == "counting"
        assert 0 < running["progress"]["percent"] <= 100
        assert seen == sorted(seen), "progress went backwards"
        done = finished_job(client, job["id"])
        assert done["status"] == "completed"
        assert done["progress"]["current"] == 4
        assert done["progress"]["percent"] == 100


def test_a_failing_task_is_retried_then_fails(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        job = new_job(client, {"task": "kairos.fail", "kwargs": {"message": "boom"},
                               "max_attempts": 2, "retry_delay_seconds": 1})
        retrying = wait_for(lambda: (j := job_state(client, job["id"]))["attempt"] == 2 and j,
                            timeout=6, what="the second attempt")
        assert retrying["max_attempts"] == 2
        done = finished_job(client, job["id"])
        assert done["status"] == "failed"
        assert done["attempt"] == 2
        assert "RuntimeError: boom" in done["error_message"]


def test_a_schedule_retries_its_failing_task(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        response = client.post("/schedules", json={
            "name": "flaky", "type": "delayed", "delay_seconds": 1, "task": "kairos.fail",
            "max_attempts": 2, "retry_delay_seconds": 1})
        assert response.status_code == 201, response.text
        schedule = response.json()
        fires = wait_for(lambda: list_all(client, f"/schedules/{schedule['id']}/fires"),
                         timeout=5, what="the fire")
        done = finished_job(client, fires[0]["job_id"])
        assert (done["status"], done["attempt"]) == ("failed", 2)
        fire = list_all(client, f"/schedules/{schedule['id']}/fires")[0]
        assert fire["status"] == "failed"


def test_an_unregistered_task_fails_its_job_and_the_schedule_stays_active(
    kairos: KairosProcess,
) -> None:
    with kairos.client() as client:
        response = client.post("/schedules", json={"name": "not deployed yet",
                                                   "interval_seconds": 1, "task": "x"})
        assert response.status_code == 201, response.text
        schedule = response.json()
        fires = wait_for(
            lambda: (f := list_all(client, f"/schedules/{schedule['id']}/fires")) and len(f) >= 2
            and f, timeout=6, what="two fires")
        for fire in fires:
            done = finished_job(client, fire["job_id"])
            assert done["status"] == "failed"
            assert done["error_message"] == "task 'x' is not registered"
        current = client.get(f"/schedules/{schedule['id']}").json()
        assert current["status"] == "active"
        assert current["enabled"] is True
        assert current["next_run_at"] is not None
        assert current["task"] == "x"
