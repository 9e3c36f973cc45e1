"""APScheduler 3.11 writes its job table; Kairos reads it without APScheduler and without running pickles."""

from __future__ import annotations

import pickle
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.apscheduler_states import make_job_states
from tests.integration.links.conftest import make_api

# Run by a separate interpreter, so that this test process never imports APScheduler: whatever
# Kairos reads, it reads without it.
WRITE_JOBS = """
import sys
from datetime import datetime, timezone
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=sys.argv[1])}, timezone="UTC")
scheduler.start(paused=True)
scheduler.add_job("json:dumps", "cron", id="reports.daily", args=[[1, 2]], kwargs={"indent": 2},
                  hour=9, minute=30, day_of_week="mon-fri", timezone="Europe/Berlin")
scheduler.add_job("time:time", "cron", id="every.quarter", minute="*/15", second=10)
scheduler.add_job("json:dumps", "interval", id="cache.warm", minutes=5, args=["x"])
scheduler.add_job("time:time", "date", id="launch", run_date=datetime(2031, 1, 2, 3, 4, tzinfo=timezone.utc))
scheduler.add_job("time:time", "cron", id="first.monday", day="1-7", day_of_week="mon", hour=6)
scheduler.add_job("time:time", "interval", id="paused", hours=1).pause()
scheduler.add_job("time:time", "interval", id="tick", seconds=1, misfire_grace_time=30)
scheduler.shutdown()
"""
# APScheduler itself, running its jobs for a moment.
RUN_A_WHILE = """
import sys, time
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=sys.argv[1])}, timezone="UTC")
scheduler.start()
time.sleep(2.5)
scheduler.shutdown()
"""
# Rows someone with write access to the table could plant, made from real jobs.
HOSTILE = """
def fresh():
    return scheduler.add_job("time:time", "cron", day_of_week="mon-fri", hour=9)

keep("huge.range", (j := fresh()), change=lambda s: setattr(expression(j, "day_of_week"), "last", 10**8))
keep("kwargs.five", fresh(), change=lambda s: s.update(kwargs=5))
loop = []
loop.append(loop)
keep("self.args", fresh(), change=lambda s: s.update(args=(loop,)))
"""


def _str(text: str) -> bytes:
    return b"\x8c" + bytes([len(text)]) + text.encode()


# {"version": 1, "trigger": <BUILD zoneinfo.ZoneInfo with {"_unpickle": CronTrigger}>}: a reader
# that set attributes would make every later zone in the process a CronTrigger.
POISON = (b"\x80\x04}(" + _str("version") + b"K\x01" + _str("trigger") + _str("zoneinfo") + _str("ZoneInfo")
          + b"\x93}" + _str("_unpickle") + _str("apscheduler.triggers.cron") + _str("CronTrigger") + b"\x93sbu.")


class CreatesAFile:
    """What an attacker with write access to the job table could plant."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (open, (str(self.path), "w"))


@pytest.fixture
def job_table(tmp_path: Path) -> Path:
    db = tmp_path / "aps.db"
    subprocess.run([sys.executable, "-c", WRITE_JOBS, f"sqlite:///{db}"], check=True, timeout=60,
                   capture_output=True)
    return db


@pytest.fixture
def api(sqlite_store: SqlStore) -> Iterator[TestClient]:
    with make_api(sqlite_store, allow_private_networks=True) as client:
        yield client


def test_a_real_job_table_is_imported_read_only_without_apscheduler(
        api: TestClient, job_table: Path, tmp_path: Path) -> None:
    planted = tmp_path / "pwned"
    evil = pickle.dumps({"version": 1, "id": "evil", "func": "json:dumps", "trigger": CreatesAFile(planted)})
    with sqlite3.connect(job_table) as conn:
        conn.execute("INSERT INTO apscheduler_jobs (id, next_run_time, job_state) VALUES (?, ?, ?)",
                     ("evil", 1.0, evil))
    link = api.post("/scheduler-links", json={
        "name": "aps", "type": "apscheduler",
        "source": {"kind": "sqlalchemy", "database_url": f"sqlite:///{job_table}"}}).json()
    assert link["writable"] is False and link["worker_events"] is None
    assert api.post("/schedules:import", json={"link_id": link["id"]}).status_code == 200
    assert "apscheduler" not in sys.modules
    assert not planted.exists()

    schedules = {s["name"]: s for s in api.get("/schedules", params={"scheduler": "apscheduler"}).json()["items"]}
    daily = schedules["reports.daily"]
    assert (daily["cron_expression"], daily["timezone"]) == ("30 9 * * mon,tue,wed,thu,fri", "Europe/Berlin")
    assert daily["task"] == "json:dumps" and daily["args"] == [[1, 2]] and daily["kwargs"] == {"indent": 2}
    assert schedules["every.quarter"]["cron_expression"] == "10 */15 * * * *"
    assert schedules["cache.warm"]["interval_seconds"] == 300
    assert schedules["launch"]["trigger_type"] == "once" and schedules["launch"]["run_at"] == "2031-01-02T03:04:00Z"
    assert schedules["paused"]["enabled"] is False
    both_days = schedules["first.monday"]
    assert both_days["trigger_type"] == "external" and "both day and day_of_week" in both_days["read_only_reason"]
    refused = schedules["evil"]
    assert refused["enabled"] is False
    assert "open, which is not a trigger" in refused["read_only_reason"] and "refuses" in refused["read_only_reason"]

    assert api.post("/schedules:resync", json={"direction": "to_scheduler"}).status_code == 409
    patched = api.patch(f"/schedules/{daily['id']}", json={"kwargs": {}})
    assert patched.status_code == 409 and "APScheduler" in patched.json()["detail"]
    assert api.post("/schedules:diff", json={}).json()["changed"] == []


def test_a_table_that_is_not_there_is_a_clear_502(api: TestClient, tmp_path: Path) -> None:
    link = api.post("/scheduler-links", json={
        "name": "aps", "type": "apscheduler",
        "source": {"kind": "sqlalchemy", "database_url": f"sqlite:///{tmp_path / 'none.db'}",
                   "tablename": "jobs"}}).json()
    response = api.post("/schedules:diff", json={"link_id": link["id"]})
    assert response.status_code == 502 and "APScheduler job table" in response.json()["detail"]


def test_a_run_apscheduler_made_is_a_recorded_fire(api: TestClient, job_table: Path, sqlite_store: SqlStore) -> None:
    from datetime import UTC, datetime

    from kairos.integrations.apscheduler.runs import record_runs
    from kairos.integrations.sources import SourcePolicy

    link_id = api.post("/scheduler-links", json={
        "name": "aps", "type": "apscheduler",
        "source": {"kind": "sqlalchemy", "database_url": f"sqlite:///{job_table}"}}).json()["id"]
    api.post("/schedules:import", json={})
    tick = next(s for s in api.get("/schedules").json()["items"] if s["name"] == "tick")
    with sqlite3.connect(job_table) as conn:
        (first_run,) = conn.execute("SELECT next_run_time FROM apscheduler_jobs WHERE id = 'tick'").fetchone()
    subprocess.run([sys.executable, "-c", RUN_A_WHILE, f"sqlite:///{job_table}"], check=True, timeout=60,
                   capture_output=True)
    link = sqlite_store.get_link(tick["workspace_id"], link_id)
    policy = SourcePolicy(allow_private_networks=True)
    assert record_runs(sqlite_store, link, policy, datetime.now(UTC)) == 1
    assert record_runs(sqlite_store, link, policy, datetime.now(UTC)) == 0  # nothing moved since
    fires = api.get(f"/schedules/{tick['id']}/fires").json()["items"]
    assert len(fires) == 1 and fires[0]["trigger"] == "schedule"
    assert datetime.fromisoformat(fires[0]["scheduled_for"]).timestamp() == pytest.approx(first_run, abs=0.001)
    job = api.get(f"/jobs/{fires[0]['job_id']}").json()
    assert job["result"]["outcome"] == "unknown"
    assert api.get(f"/schedules/{tick['id']}").json()["run_count"] == 1


def test_rows_kairos_cannot_read_are_read_only_and_the_rest_still_import(
        api: TestClient, job_table: Path, sqlite_store: SqlStore) -> None:
    from datetime import UTC, datetime

    from kairos.integrations.apscheduler.runs import record_runs
    from kairos.integrations.sources import SourcePolicy

    rows = {**make_job_states(HOSTILE), "aaa.poison": POISON}  # read first: before the real zones
    with sqlite3.connect(job_table) as conn:
        conn.executemany("INSERT INTO apscheduler_jobs (id, next_run_time, job_state) VALUES (?, ?, ?)",
                         [(name, 1.0, data) for name, data in rows.items()])
    link_id = api.post("/scheduler-links", json={
        "name": "aps", "type": "apscheduler",
        "source": {"kind": "sqlalchemy", "database_url": f"sqlite:///{job_table}"}}).json()["id"]
    assert api.post("/schedules:import", json={"link_id": link_id}).status_code == 200
    schedules = {s["name"]: s for s in api.get("/schedules", params={"scheduler": "apscheduler"}).json()["items"]}

    daily = schedules["reports.daily"]
    assert (daily["cron_expression"], daily["timezone"]) == ("30 9 * * mon,tue,wed,thu,fri", "Europe/Berlin")
    assert schedules["cache.warm"]["interval_seconds"] == 300
    for name, reason in {
        "aaa.poison": "sets attributes on zoneinfo.ZoneInfo, which Kairos does not allow",
        "huge.range": "the day_of_week field has last value 100000000, outside 0-6",
        "kwargs.five": "the job's args are not a list or its kwargs not a dict",
        "self.args": "contains itself (a reference cycle)",
    }.items():
        assert schedules[name]["trigger_type"] == "external" and reason in schedules[name]["read_only_reason"], name
    # A trigger Kairos cannot express still runs in APScheduler; a job it could not read is shown disabled.
    assert [n for n in ("aaa.poison", "huge.range", "kwargs.five", "self.args") if schedules[n]["enabled"]] == [
        "huge.range"]

    # The watcher reads the same table on every poll, for every workspace: it goes on.
    link = sqlite_store.get_link(daily["workspace_id"], link_id)
    assert record_runs(sqlite_store, link, SourcePolicy(allow_private_networks=True), datetime.now(UTC)) == 0
    assert api.post("/schedules:diff", json={}).json()["changed"] == []
