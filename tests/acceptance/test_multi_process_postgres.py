"""Scale-out on PostgreSQL: two schedulers, a worker and an API process share one database.

One scheduler is killed with SIGKILL midway; the other carries on. No fire may be doubled or
lost (misfire policy run_all), and every job finishes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.acceptance.conftest import KairosProcess, parse_time, wait_for
from tests.conftest import create_postgres_database, drop_postgres_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SCHEDULES = 50


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    url = create_postgres_database(postgres_admin_url)
    try:
        yield url
    finally:
        drop_postgres_database(postgres_admin_url, url)


def rows(url: str, query: str, **params: Any) -> list[sa.Row[Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(query), params))
    finally:
        engine.dispose()


def test_two_schedulers_a_worker_and_an_api_on_postgres(
    kairos_factory: Any, postgres_url: str
) -> None:
    plain_url = "postgresql://" + postgres_url.split("://", 1)[1]
    env = {"KAIROS_DATABASE_URL": plain_url}
    api: KairosProcess = kairos_factory(command=("api",), env_extra=env)
    schedulers = [kairos_factory(command=("scheduler",), env_extra=env) for _ in range(2)]
    worker: KairosProcess = kairos_factory(command=("worker",), env_extra=env)
    # All four start together on the empty database: each migrates at start, and they must
    # not trip over one another doing it.
    for process in (*schedulers, worker, api):
        process.start(wait=False)
    api.wait_ready()
    time.sleep(1)
    for process in (*schedulers, worker):
        assert process.proc is not None and process.proc.poll() is None, process.logs()

    body = {"interval_seconds": 1, "task": "kairos.echo", "overlap_policy": "allow",
            "misfire_policy": "run_all", "misfire_grace_seconds": 3600}
    with api.client() as client:
        response = client.post("/schedules:batch", json={
            "items": [{**body, "name": f"load-{n}", "kwargs": {"n": n}} for n in range(SCHEDULES)],
        })
        assert response.status_code == 201, response.text
        created = {s["id"]: parse_time(s["created_at"]) for s in response.json()["items"]}
        assert len(created) == SCHEDULES

        time.sleep(4)
        schedulers[0].kill()
        time.sleep(4)
        for schedule_id in created:
            client.post(f"/schedules/{schedule_id}/disable").raise_for_status()

    for process in (schedulers[1], worker):
        assert process.proc is not None and process.proc.poll() is None, process.logs()

    wait_for(lambda: not rows(postgres_url, "SELECT id FROM jobs WHERE status IN "
                                            "('pending', 'running')"),
             timeout=20, what="the worker to finish every job")

    doubled = rows(postgres_url, "SELECT schedule_id, scheduled_for, COUNT(*) FROM fires "
                                 "GROUP BY schedule_id, scheduled_for HAVING COUNT(*) > 1")
    assert doubled == []
    fired: dict[str, list[datetime]] = defaultdict(list)
    for schedule_id, scheduled_for, job_id, status in rows(
        postgres_url,
        "SELECT f.schedule_id, f.scheduled_for, j.id, j.status FROM fires f "
        "LEFT JOIN jobs j ON j.id = f.job_id",
    ):
        assert job_id is not None, f"a fire of {schedule_id} at {scheduled_for} has no job"
        assert status == "completed"
        fired[schedule_id].append(scheduled_for)
    assert set(fired) == set(created)
    for schedule_id, instants in fired.items():
        instants.sort()
        anchor = created[schedule_id]
        assert instants[0] == anchor + timedelta(seconds=1), schedule_id
        expected = [instants[0] + timedelta(seconds=k)
                    for k in range(int((instants[-1] - instants[0]).total_seconds()) + 1)]
        assert instants == expected, f"{schedule_id} has gaps: {sorted(set(expected) - set(instants))}"
        # About 8 s of firing: the kill must not have stalled the survivors.
        assert len(instants) >= 6, (schedule_id, len(instants))


def test_cancel_through_the_api_process_stops_the_job_in_the_worker_process(
    kairos_factory: Any, postgres_url: str
) -> None:
    env = {"KAIROS_DATABASE_URL": postgres_url, "KAIROS_WORKERS": "1"}
    api: KairosProcess = kairos_factory(command=("api",), env_extra=env)
    api.start()
    worker: KairosProcess = kairos_factory(command=("worker",), env_extra=env)
    worker.start()
    with api.client() as client:
        sleeper = client.post("/jobs", json={"task": "kairos.sleep", "kwargs": {"seconds": 30}})
        assert sleeper.status_code == 201, sleeper.text
        job_id = sleeper.json()["id"]
        # Progress saved by the worker process is visible through the API process.
        wait_for(lambda: (j := client.get(f"/jobs/{job_id}").json())["status"] == "running"
                 and j["progress"].get("current", 0) >= 1, timeout=8,
                 what="the worker to run the job and report progress")
        follower = client.post("/jobs", json={"task": "kairos.echo"}).json()["id"]
        cancelled = client.delete(f"/jobs/{job_id}")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        # The worker learns of the cancel at its next lease renewal and frees its only slot.
        wait_for(lambda: client.get(f"/jobs/{follower}").json()["status"] == "completed",
                 timeout=4, what="the next job to run on the freed worker slot")
        assert client.get(f"/jobs/{job_id}").json()["status"] == "cancelled"
