"""`kill -9` while schedules fire and jobs run: after restarts no fire is doubled or lost.

The record is checked twice: through the API and by reading the SQLite file directly.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.acceptance.conftest import KairosProcess, job_state, list_all, parse_time, wait_for

pytestmark = pytest.mark.slow

LEASE_MESSAGE = "lease expired"


def create(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/schedules", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def db_rows(process: KairosProcess, query: str, *params: Any) -> list[tuple[Any, ...]]:
    path = process.data_dir / "kairos.db"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return list(conn.execute(query, params))
    finally:
        conn.close()


def db_time(value: str) -> datetime:
    """SQLite holds naive UTC text; make it the aware instant it stands for."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def grid(anchor: datetime, first: datetime, last: datetime) -> list[datetime]:
    """Every instant of the 1 s grid anchored at `anchor`, from `first` to `last` inclusive."""
    assert (first - anchor) / timedelta(microseconds=1) % 1_000_000 == 0
    count = int((last - first).total_seconds())
    return [first + timedelta(seconds=k) for k in range(count + 1)]


def unfinished_jobs(client: httpx.Client) -> int:
    return sum(client.get("/jobs", params={"status": s, "limit": 1}).json()["total"]
               for s in ("pending", "running"))


def test_fires_survive_repeated_kill_minus_nine(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        all_of_them = create(client, {
            "name": "run all", "interval_seconds": 1, "task": "kairos.echo",
            "overlap_policy": "allow", "misfire_policy": "run_all", "misfire_grace_seconds": 3600,
            # A job running at a kill runs again after its lease and this backoff.
            "retry_delay_seconds": 1,
        })
        coalesced = create(client, {
            "name": "run once", "interval_seconds": 1, "task": "kairos.echo",
            "overlap_policy": "allow", "retry_delay_seconds": 1,
        })
        assert coalesced["misfire_policy"] == "run_once"
        wait_for(lambda: client.get(f"/schedules/{all_of_them['id']}").json()["run_count"] >= 2,
                 timeout=6, what="the first fires")

    downtimes: list[tuple[datetime, datetime]] = []
    for pause in (2.0, 3.0, 2.5):
        time.sleep(1.3)
        killed_at = datetime.now(UTC)
        kairos.kill()
        time.sleep(pause)
        kairos.start()
        downtimes.append((killed_at, datetime.now(UTC)))
    time.sleep(2.5)

    with kairos.client() as client:
        for schedule in (all_of_them, coalesced):
            client.post(f"/schedules/{schedule['id']}/disable").raise_for_status()
        # Jobs running at a kill run again once their lease (4 s) runs out.
        wait_for(lambda: unfinished_jobs(client) == 0, timeout=20,
                 what="every job to finish after the restarts")
        api_fires = {
            s["id"]: list_all(client, f"/schedules/{s['id']}/fires")
            for s in (all_of_them, coalesced)
        }
        jobs = {j["id"]: j for j in list_all(client, "/jobs")}

    for schedule in (all_of_them, coalesced):
        fires = api_fires[schedule["id"]]
        instants = sorted(parse_time(f["scheduled_for"]) for f in fires)
        assert len(instants) == len(set(instants)), f"{schedule['name']}: an instant fired twice"
        anchor = parse_time(schedule["created_at"])
        assert instants[0] == anchor + timedelta(seconds=1)
        missing = sorted(set(grid(anchor, instants[0], instants[-1])) - set(instants))
        if schedule is all_of_them:
            assert missing == [], f"run_all lost fires across the crashes: {missing}"
        else:
            assert missing, "run_once should have coalesced the fires missed while down"
            for instant in missing:
                assert any(down - timedelta(seconds=1.5) <= instant <= up + timedelta(seconds=1.5)
                           for down, up in downtimes), f"{instant} missing outside any downtime"
        for fire in fires:
            assert fire["trigger"] == "schedule"
            job = jobs.get(fire["job_id"])
            assert job is not None, f"fire {fire['id']} has no job"
            assert job["scheduled_for"] == fire["scheduled_for"]
            assert job["status"] in ("completed", "failed"), job
            if job["status"] == "failed":
                assert LEASE_MESSAGE in (job["error_message"] or ""), job

    kairos.stop()
    doubled = db_rows(kairos, "SELECT schedule_id, scheduled_for, COUNT(*) FROM fires "
                              "GROUP BY schedule_id, scheduled_for HAVING COUNT(*) > 1")
    assert doubled == []
    orphans = db_rows(kairos, "SELECT f.id FROM fires f LEFT JOIN jobs j ON j.id = f.job_id "
                              "WHERE j.id IS NULL")
    assert orphans == [], "fires without a job in the database"
    assert db_rows(kairos, "SELECT id FROM jobs WHERE status IN ('pending', 'running')") == []
    for schedule in (all_of_them, coalesced):
        stored = sorted(db_time(v) for (v,) in db_rows(
            kairos, "SELECT scheduled_for FROM fires WHERE schedule_id = ?", schedule["id"]))
        assert stored == sorted(parse_time(f["scheduled_for"]) for f in api_fires[schedule["id"]])
        if schedule is all_of_them:
            anchor = parse_time(schedule["created_at"])
            assert stored == grid(anchor, stored[0], stored[-1])


def test_a_job_whose_worker_is_killed_is_retried_not_failed_and_its_schedule_fires_again(
        kairos: KairosProcess) -> None:
    with kairos.client() as client:
        # One attempt only: a crash must not use it up. `skip` holds the schedule's fires while
        # the job is unresolved; they resume once it is.
        schedule = create(client, {
            "name": "slow", "interval_seconds": 1, "task": "kairos.sleep",
            "kwargs": {"seconds": 2}, "overlap_policy": "skip", "max_attempts": 1,
            "retry_delay_seconds": 1,
        })
        first = wait_for(
            lambda: next((j for j in client.get("/jobs", params={"schedule_id": schedule["id"]})
                          .json()["items"]
                          if j["status"] == "running" and j["progress"].get("current", 0) >= 1), None),
            timeout=15, what="the schedule's first job to run and report progress",
        )

    kairos.kill()
    kairos.start()

    with kairos.client() as client:
        # The lease (4 s) runs out, the job waits its backoff (1 s) and runs again to the end.
        again = wait_for(
            lambda: (j := job_state(client, first["id"]))["status"] not in ("pending", "running") and j,
            timeout=30, what="the interrupted job to be resolved",
        )
        assert again["status"] == "completed", again
        assert (again["attempt"], again["max_attempts"], again["crashes"]) == (1, 1, 1)
        assert again["result"] == {"slept_seconds": 2.0}

        def later_job_completed() -> bool:
            jobs = client.get("/jobs", params={"schedule_id": schedule["id"]}).json()["items"]
            return any(j["status"] == "completed"
                       and parse_time(j["scheduled_for"]) > parse_time(first["scheduled_for"])
                       for j in jobs)

        wait_for(later_job_completed, timeout=20, what="the schedule to fire again after the crash")
        client.post(f"/schedules/{schedule['id']}/disable").raise_for_status()

    [(crashes, status)] = db_rows(kairos, "SELECT crashes, status FROM jobs WHERE id = ?", first["id"])
    assert (crashes, status) == (1, "completed")
