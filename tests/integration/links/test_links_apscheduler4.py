"""APScheduler 4 writes its data store tables; Kairos reads them without APScheduler and without running pickles."""

from __future__ import annotations

import json
import os
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
from tests.conftest import REQUIRE_SERVICES, create_postgres_database, drop_postgres_database
from tests.integration.links.conftest import make_api

# APScheduler 4 cannot share the venv with 3.x: `make dev` installs it in a directory of its own.
APSCHEDULER4 = Path(sys.prefix) / "apscheduler4"

# Run by a separate interpreter with APScheduler 4 on its path, once with the default pickle
# serializer and once with JSONSerializer; this test process never imports APScheduler.
WRITE_SCHEDULES = """
import json, sys, time
from datetime import datetime, timezone
from sqlalchemy import create_engine
from apscheduler import Scheduler
from apscheduler.datastores.sqlalchemy import SQLAlchemyDataStore
from apscheduler.serializers.json import JSONSerializer
from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

for url, serializer in ((sys.argv[1], {}), (sys.argv[2], {"serializer": JSONSerializer()})):
    with Scheduler(SQLAlchemyDataStore(create_engine(url), **serializer)) as scheduler:
        add = scheduler.add_schedule
        add(json.dumps, CronTrigger(day_of_week="mon-fri", hour=9, minute=30, timezone="Europe/Berlin"),
            id="reports.daily", args=[[1, 2]], kwargs={"indent": 2})
        add(time.time, CronTrigger(minute="*/15", second=10, timezone="UTC"), id="every.quarter")
        add(time.time, CronTrigger(day="last", month="jan-mar", hour=6, timezone="America/New_York"),
            id="quarter.end")
        add(time.time, CronTrigger(day="1st mon", timezone="UTC"), id="first.monday")
        add(json.dumps, IntervalTrigger(minutes=5), id="cache.warm", args=["x"], misfire_grace_time=30)
        add(time.time, DateTrigger(datetime(2031, 1, 2, 3, 4, tzinfo=timezone.utc)), id="launch")
        add(time.time, CalendarIntervalTrigger(months=1, hour=8, timezone="UTC"), id="monthly")
        add(time.time, OrTrigger([IntervalTrigger(hours=1), IntervalTrigger(minutes=7)]), id="either")
        add(time.time, IntervalTrigger(hours=1), id="paused", paused=True)
"""
WRITE_TO_SCHEMA = """
import sys, time
from sqlalchemy import create_engine
from apscheduler import Scheduler
from apscheduler.datastores.sqlalchemy import SQLAlchemyDataStore
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

with Scheduler(SQLAlchemyDataStore(create_engine(sys.argv[1]), schema="aps")) as scheduler:
    scheduler.add_schedule(time.time, CronTrigger(day_of_week="mon-fri", hour=9, timezone="Europe/Berlin"),
                           id="daily")
    scheduler.add_schedule(time.time, IntervalTrigger(seconds=1), id="tick")
"""
# APScheduler 4 itself, running its schedules for a moment.
RUN_A_WHILE = """
import sys, time
from sqlalchemy import create_engine
from apscheduler import Scheduler
from apscheduler.datastores.sqlalchemy import SQLAlchemyDataStore

with Scheduler(SQLAlchemyDataStore(create_engine(sys.argv[1]), schema="aps")) as scheduler:
    scheduler.start_in_background()
    time.sleep(2.5)
    scheduler.stop()
"""
EXPECTED_READ_ONLY = {
    "first.monday": "the day field says '1st mon', which cron cannot express here",
    "monthly": "a calendar interval",
    "either": "an APScheduler OrTrigger combines triggers",
}


class RunsAShell:
    """What an attacker with write access to the schedules table could plant as a trigger."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (os.system, (f"touch {self.path}",))


def require_apscheduler4() -> None:
    if not (APSCHEDULER4 / "apscheduler").is_dir():
        message = f"APScheduler 4 is not installed in {APSCHEDULER4} (`make dev` installs it)"
        if REQUIRE_SERVICES:
            pytest.fail(message + " and KAIROS_REQUIRE_SERVICES=1")
        pytest.skip(message)


@pytest.fixture(scope="module")
def data_stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    require_apscheduler4()
    folder = tmp_path_factory.mktemp("aps4")
    pickled, as_json = folder / "pickle.db", folder / "json.db"
    subprocess.run([sys.executable, "-c", WRITE_SCHEDULES, f"sqlite:///{pickled}", f"sqlite:///{as_json}"],
                   check=True, timeout=60, capture_output=True, env={**os.environ, "PYTHONPATH": str(APSCHEDULER4)})
    return pickled, as_json


@pytest.fixture
def api(sqlite_store: SqlStore) -> Iterator[TestClient]:
    with make_api(sqlite_store, allow_private_networks=True) as client:
        yield client


def _plant(db: Path, rows: dict[str, bytes]) -> Path:
    """A copy of the data store with `rows` added as schedules whose trigger is the bytes given."""
    copy = db.with_name(f"planted-{db.name}")
    copy.write_bytes(db.read_bytes())
    with sqlite3.connect(copy) as conn:
        conn.executemany(
            "INSERT INTO schedules (id, task_id, trigger, args, kwargs, paused, coalesce, job_executor, metadata, "
            "next_fire_time, next_fire_time_utcoffset) VALUES (?, 'time:time', ?, ?, ?, 0, 'latest', 'threadpool', "
            "'{}', 1, 0)", [(name, data, b"[]", b"{}") for name, data in rows.items()])
    return copy


def _imported(api: TestClient, db: Path) -> dict[str, dict[str, Any]]:
    link = api.post("/scheduler-links", json={
        "name": db.stem, "type": "apscheduler",
        "source": {"kind": "sqlalchemy", "database_url": f"sqlite:///{db}", "version": 4}})
    assert link.status_code == 201, link.text
    assert link.json()["writable"] is False
    assert api.post("/schedules:import", json={"link_id": link.json()["id"]}).status_code == 200
    assert "apscheduler" not in sys.modules
    return {s["name"]: s for s in api.get("/schedules", params={"scheduler": "apscheduler"}).json()["items"]}


@pytest.mark.parametrize("serializer", ["pickle", "json"])
def test_a_real_data_store_is_imported_read_only_without_apscheduler(
        api: TestClient, data_stores: tuple[Path, Path], tmp_path: Path, serializer: str) -> None:
    planted = tmp_path / "pwned"
    hostile = {
        "pickle": {"evil": pickle.dumps(RunsAShell(planted))},
        "json": {"evil": json.dumps({"_apscheduler_json": ["os:system", f"touch {planted}"]}).encode()},
    }[serializer]
    hostile["cbor"] = bytes.fromhex("a1676d657373616765626869")  # {"message": "hi"} in CBOR
    db = _plant(data_stores[0 if serializer == "pickle" else 1], hostile)
    schedules = _imported(api, db)
    assert not planted.exists()

    daily = schedules["reports.daily"]
    assert (daily["cron_expression"], daily["timezone"]) == ("30 9 * * mon,tue,wed,thu,fri", "Europe/Berlin")
    assert daily["task"] == "json:dumps" and daily["args"] == [[1, 2]] and daily["kwargs"] == {"indent": 2}
    assert schedules["every.quarter"]["cron_expression"] == "10 */15 * * * *"
    quarter_end = schedules["quarter.end"]
    assert (quarter_end["cron_expression"], quarter_end["timezone"]) == ("0 6 L 1-3 *", "America/New_York")
    warm = schedules["cache.warm"]
    assert warm["interval_seconds"] == 300 and warm["args"] == ["x"] and warm["task"] == "json:dumps"
    assert schedules["launch"]["trigger_type"] == "once" and schedules["launch"]["run_at"] == "2031-01-02T03:04:00Z"
    assert schedules["paused"]["enabled"] is False and schedules["paused"]["interval_seconds"] == 3600
    for name, reason in EXPECTED_READ_ONLY.items():
        entry = schedules[name]
        assert entry["trigger_type"] == "external" and reason in entry["read_only_reason"], name
        assert entry["enabled"] is True, name  # APScheduler still runs it

    evil = schedules["evil"]
    assert evil["enabled"] is False and evil["trigger_type"] == "external"
    # os.system pickles under its real module's name.
    named = {"pickle": "names posix.system, which is not a trigger", "json": "names os:system, which is not a trigger"}
    assert named[serializer] in evil["read_only_reason"] and "refuse" in evil["read_only_reason"]
    assert "CBOR" in schedules["cbor"]["read_only_reason"] and schedules["cbor"]["enabled"] is False

    assert api.post("/schedules:resync", json={"direction": "to_scheduler"}).status_code == 409
    patched = api.patch(f"/schedules/{daily['id']}", json={"kwargs": {}})
    assert patched.status_code == 409 and "APScheduler 4 data store" in patched.json()["detail"]
    assert api.post("/schedules:diff", json={}).json()["changed"] == []


def test_a_postgresql_store_in_a_schema_is_read_and_its_runs_are_recorded_fires(
        api: TestClient, postgres_admin_url: str, sqlite_store: SqlStore) -> None:
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from kairos.integrations.apscheduler.runs import record_runs
    from kairos.integrations.sources import SourcePolicy

    require_apscheduler4()
    url = create_postgres_database(postgres_admin_url)
    try:
        # PostgreSQL gives 4.x real timestamps with time zones and intervals, where SQLite has numbers.
        env = {**os.environ, "PYTHONPATH": str(APSCHEDULER4)}
        subprocess.run([sys.executable, "-c", WRITE_TO_SCHEMA, url], check=True, timeout=60, capture_output=True,
                       env=env)
        link = api.post("/scheduler-links", json={
            "name": "aps4", "type": "apscheduler",
            "source": {"kind": "sqlalchemy", "database_url": url, "version": 4, "schema": "aps"}}).json()
        assert link["source"]["schema"] == "aps"
        assert api.post("/schedules:import", json={"link_id": link["id"]}).status_code == 200
        schedules = {s["name"]: s for s in api.get("/schedules").json()["items"]}
        daily = schedules["daily"]
        assert (daily["cron_expression"], daily["timezone"]) == ("0 9 * * mon,tue,wed,thu,fri", "Europe/Berlin")
        tick = schedules["tick"]
        assert tick["interval_seconds"] == 1 and tick["task"] == "time:time"

        engine = sa.create_engine(url)
        with engine.connect() as conn:
            first = conn.execute(sa.text("SELECT next_fire_time FROM aps.schedules WHERE id = 'tick'")).scalar_one()
        engine.dispose()
        subprocess.run([sys.executable, "-c", RUN_A_WHILE, url], check=True, timeout=60, capture_output=True, env=env)
        stored = sqlite_store.get_link(tick["workspace_id"], link["id"])
        policy = SourcePolicy(allow_private_networks=True)
        assert record_runs(sqlite_store, stored, policy, datetime.now(UTC)) == 1
        assert record_runs(sqlite_store, stored, policy, datetime.now(UTC)) == 0  # nothing moved since
        fires = api.get(f"/schedules/{tick['id']}/fires").json()["items"]
        assert len(fires) == 1
        ran_at = datetime.fromisoformat(fires[0]["scheduled_for"])
        assert ran_at.timestamp() == pytest.approx(first.timestamp(), abs=0.001)
        assert api.get(f"/jobs/{fires[0]['job_id']}").json()["result"]["outcome"] == "unknown"
    finally:
        drop_postgres_database(postgres_admin_url, url)


@pytest.mark.parametrize(("source", "field", "message"), [
    ({"version": 5}, "version", "must be 3"),
    ({"version": 4, "tablename": "jobs"}, "tablename", "fixed table names"),
    ({"version": 4, "schema": "no; drop"}, "schema", "must be a schema name"),
    ({"schema": "aps"}, "schema", "is for version 4"),
])
def test_a_source_that_is_not_a_3x_table_or_4x_store_is_a_400_naming_the_field(
        api: TestClient, tmp_path: Path, source: dict[str, Any], field: str, message: str) -> None:
    response = api.post("/scheduler-links", json={
        "name": "aps", "type": "apscheduler",
        "source": {"kind": "sqlalchemy", "database_url": f"sqlite:///{tmp_path / 'a.db'}", **source}})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(e["loc"][-2:] == ["source", field] and message in e["msg"] for e in errors), errors


def test_a_data_store_that_is_not_there_is_a_clear_502(api: TestClient, tmp_path: Path) -> None:
    link = api.post("/scheduler-links", json={
        "name": "aps", "type": "apscheduler",
        "source": {"kind": "sqlalchemy", "database_url": f"sqlite:///{tmp_path / 'none.db'}", "version": 4}}).json()
    response = api.post("/schedules:diff", json={"link_id": link["id"]})
    assert response.status_code == 502 and "APScheduler 4 data store" in response.json()["detail"]


def test_a_3x_link_changed_to_version_4_drops_its_table_name(api: TestClient, tmp_path: Path) -> None:
    link = api.post("/scheduler-links", json={
        "name": "aps", "type": "apscheduler",
        "source": {"kind": "sqlalchemy", "database_url": f"sqlite:///{tmp_path / 'a.db'}", "tablename": "jobs"}}).json()
    changed = api.patch(f"/scheduler-links/{link['id']}", json={"source": {"version": 4, "schema": "aps"}})
    assert changed.status_code == 200, changed.text
    source = changed.json()["source"]
    assert (source["version"], source["schema"], "tablename" in source) == (4, "aps", False)
    back = api.patch(f"/scheduler-links/{link['id']}", json={"source": {"version": 3}}).json()["source"]
    assert (back["tablename"], "schema" in back) == ("apscheduler_jobs", False)
