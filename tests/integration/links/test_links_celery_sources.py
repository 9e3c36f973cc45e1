"""A Celery team's schedules in Kairos: from the app itself, django-celery-beat's tables and redbeat's keys.

Each store is made and read back by its own software (the app imported by Celery, Django's
migrations and models, redbeat's entries), so Kairos's reading and writing are checked against
the real thing, not against our idea of it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.links.conftest import make_api
from tests.integration.links.services import REDBEAT_URL, WORKER_BROKER

PROJECT = Path(__file__).parent.parent.parent / "celery_project"


@pytest.fixture
def api(sqlite_store: SqlStore) -> Iterator[TestClient]:
    with make_api(sqlite_store, allow_private_networks=True, link_app_imports=True) as client:
        yield client


def by_name(client: TestClient) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in client.get("/schedules", params={"limit": 200}).json()["items"]}


def test_the_app_is_imported_in_a_subprocess_and_a_deploy_shows_in_the_diff(
        api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "proj" not in sys.modules
    link = api.post("/scheduler-links", json={
        "name": "proj", "type": "celery-beat", "broker_url": WORKER_BROKER,
        "source": {"kind": "app", "app": "proj.celery:app", "cwd": str(PROJECT), "python": sys.executable},
    }).json()
    assert api.post("/schedules:import", json={"link_id": link["id"]}).status_code == 200
    assert "proj" not in sys.modules  # the user's code never ran in the server process
    schedules = by_name(api)
    assert schedules["email.daily-digest"]["cron_expression"] == "0 9 * * mon-fri"
    assert schedules["email.daily-digest"]["timezone"] == "Europe/Berlin"  # the app's zone
    assert schedules["email.daily-digest"]["args"] == [2, 3]
    assert schedules["cache.warm"]["interval_seconds"] == 30
    assert schedules["lights.on"]["trigger_type"] == "external"

    # The deploy: the app's import sees only the environment its link gives it.
    monkeypatch.setenv("KAIROS_TEST_BEAT_VARIANT", "changed")
    assert by_name(api) and api.post("/schedules:diff", json={"link_id": link["id"]}).json()["changed"] == []
    changed = api.patch(f"/scheduler-links/{link['id']}",
                        json={"source": {"env": {"KAIROS_TEST_BEAT_VARIANT": "changed"}}})
    assert changed.status_code == 200, changed.text
    diff = api.post("/schedules:diff", json={"link_id": link["id"]}).json()
    assert diff["added"] == []
    assert [r["name"] for r in diff["removed"]] == ["lights.on"]
    assert [(c["name"], c["before"], c["after"]) for c in diff["changed"]] == [
        ("cache.warm", {"interval_seconds": 30}, {"interval_seconds": 300})]


def test_the_apps_import_sees_none_of_kaiross_environment(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAIROS_SECRET_KEY", "kairos-own-secret")
    monkeypatch.setenv("KAIROS_DATABASE_URL", "postgresql://kairos:hunter2@db/kairos")
    link = api.post("/scheduler-links", json={
        "name": "proj", "type": "celery-beat", "broker_url": WORKER_BROKER,
        "source": {"kind": "app", "app": "proj.celery:app", "cwd": str(PROJECT), "python": sys.executable,
                   "env": {"KAIROS_TEST_SHOW_ENV": "1", "BROKER_PASSWORD": "s3cret"}},
    })
    assert link.status_code == 201, link.text
    assert link.json()["source"]["env"] == {"KAIROS_TEST_SHOW_ENV": "1", "BROKER_PASSWORD": "****"}
    assert api.post("/schedules:import", json={"link_id": link.json()["id"]}).status_code == 200
    seen = set(by_name(api)["env.seen"]["args"])
    assert {"PATH", "KAIROS_TEST_SHOW_ENV", "BROKER_PASSWORD"} <= seen
    assert not {"KAIROS_SECRET_KEY", "KAIROS_DATABASE_URL"} & seen, seen


def test_an_app_that_cannot_be_imported_says_why(api: TestClient) -> None:
    link = api.post("/scheduler-links", json={
        "name": "broken", "type": "celery-beat",
        "source": {"kind": "app", "app": "proj.missing:app", "cwd": str(PROJECT)},
    }).json()
    response = api.post("/schedules:diff", json={"link_id": link["id"]})
    assert response.status_code == 502
    assert "proj.missing" in response.json()["detail"]


# --- django-celery-beat -------------------------------------------------------------------------

def djbeat(db: Path, command: str) -> Any:
    done = subprocess.run([sys.executable, str(PROJECT / "djbeat.py"), command], capture_output=True, text=True,
                          env={**os.environ, "KAIROS_TEST_DJANGO_DB": str(db)}, timeout=60, check=True)
    return json.loads(done.stdout) if command == "dump" else None


@pytest.fixture(scope="module")
def django_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("djbeat") / "beat.db"
    djbeat(db, "setup")
    return db


def sql(db: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchall()


def test_django_celery_beat_tables_are_read_written_and_a_beat_told(
        api: TestClient, django_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "beat.db"
    db.write_bytes(django_template.read_bytes())
    marker = "SELECT last_update FROM django_celery_beat_periodictasks"
    link = api.post("/scheduler-links", json={
        "name": "django", "type": "celery-beat", "source": {"kind": "django-celery-beat",
                                                            "database_url": f"sqlite:///{db}"}}).json()
    assert link["writable"] is True
    assert api.post("/schedules:import", json={}).status_code == 200
    schedules = by_name(api)
    digest = schedules["email.daily-digest"]
    assert (digest["cron_expression"], digest["timezone"]) == ("0 9 * * 1-5", "Europe/Berlin")
    assert schedules["cache.warm"]["external"]["options"] == {"queue": "celery"}
    assert "sunset" in schedules["lights.on"]["schedule_description"]
    seeded_marker = sql(db, marker)

    # Changing Kairos's copy writes Django's tables and bumps the marker a running beat watches.
    patched = api.patch(f"/schedules/{digest['id']}", json={"cron_expression": "30 8 * * 1-5",
                                                           "kwargs": {"locale": "de"}})
    assert patched.status_code == 200, patched.text
    assert sql(db, marker) > seeded_marker
    assert api.post(f"/schedules/{schedules['cache.warm']['id']}/disable").status_code == 200
    created = api.post("/schedules", json={"name": "reports.weekly", "scheduler": "celery-beat",
                                           "task": "proj.tasks.add", "args": [4, 5], "interval_seconds": 3600})
    assert created.status_code == 201, created.text
    assert created.json()["link_id"] == link["id"]

    # Drift made behind Kairos's back: to_scheduler puts Kairos's copy back.
    sql(db, "UPDATE django_celery_beat_periodictask SET args = '[9, 9]' WHERE name = 'reports.weekly'")
    diff = api.post("/schedules:diff", json={}).json()
    assert [(c["name"], c["before"], c["after"]) for c in diff["changed"]] == [
        ("reports.weekly", {"args": [4, 5]}, {"args": [9, 9]})]
    assert api.post("/schedules:resync", json={"direction": "to_scheduler"}).status_code == 200

    # Django's own models read what Kairos wrote, as a running DatabaseScheduler would.
    tasks = djbeat(db, "dump")["tasks"]
    assert tasks["email.daily-digest"]["kwargs"] == {"locale": "de"}
    # Django prints a crontab as minute/hour/day_of_week/day_of_month/month_of_year.
    assert tasks["email.daily-digest"]["schedule"] == "<crontab: 30 8 1-5 * * (m/h/d/dM/MY), Europe/Berlin>"
    assert tasks["cache.warm"]["enabled"] is False
    assert tasks["reports.weekly"]["args"] == [4, 5] and tasks["reports.weekly"]["kind"] == "schedule"

    # ...and from_scheduler takes the scheduler's side.
    sql(db, "UPDATE django_celery_beat_periodictask SET args = '[7, 7]' WHERE name = 'reports.weekly'")
    assert api.post("/schedules:resync", json={"direction": "from_scheduler"}).status_code == 200
    assert by_name(api)["reports.weekly"]["args"] == [7, 7]

    # Deleting a linked schedule deletes its entry too; a solar one is read-only in Kairos.
    assert api.delete(f"/schedules/{created.json()['id']}").status_code == 200
    assert sql(db, "SELECT name FROM django_celery_beat_periodictask WHERE name = 'reports.weekly'") == []
    solar = api.patch(f"/schedules/{schedules['lights.on']['id']}", json={"kwargs": {"x": 1}})
    assert solar.status_code == 409 and "solar" in solar.json()["detail"]


# --- redbeat ------------------------------------------------------------------------------------

@pytest.fixture
def redbeat_app() -> Iterator[Any]:
    redis = pytest.importorskip("redis")
    from celery import Celery

    from tests.integration.links.services import require_redis

    require_redis()
    url = REDBEAT_URL
    app = Celery("redbeat-test", set_as_current=False)
    app.conf.update(redbeat_redis_url=url, redbeat_key_prefix="rb:", timezone="UTC", broker_url=url)
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield app
    client.flushdb()
    client.close()


def test_redbeat_keys_written_by_redbeat_are_read_and_written_back(api: TestClient, redbeat_app: Any) -> None:
    from celery.schedules import crontab, schedule
    from redbeat import RedBeatSchedulerEntry

    RedBeatSchedulerEntry("email.daily-digest", "proj.tasks.add", crontab(minute="0", hour="9"),
                          args=[2, 3], kwargs={"locale": "en-US"}, app=redbeat_app).save()
    RedBeatSchedulerEntry("cache.warm", "proj.tasks.add", schedule(timedelta(seconds=30)),
                          args=[1, 1], options={"queue": "celery"}, app=redbeat_app).save()
    link = api.post("/scheduler-links", json={
        "name": "redbeat", "type": "celery-beat", "broker_url": WORKER_BROKER,
        "source": {"kind": "redbeat", "redis_url": REDBEAT_URL, "key_prefix": "rb:"},
    }).json()
    assert api.post("/schedules:import", json={"link_id": link["id"]}).status_code == 200
    schedules = by_name(api)
    assert schedules["email.daily-digest"]["cron_expression"] == "0 9 * * *"
    assert schedules["email.daily-digest"]["kwargs"] == {"locale": "en-US"}
    assert schedules["cache.warm"]["interval_seconds"] == 30

    patched = api.patch(f"/schedules/{schedules['email.daily-digest']['id']}", json={"cron_expression": "15 7 * * *"})
    assert patched.status_code == 200, patched.text
    entry = RedBeatSchedulerEntry.from_key("rb:email.daily-digest", app=redbeat_app)
    assert (entry.schedule._orig_minute, entry.schedule._orig_hour) == ("15", "7")
    assert entry.kwargs == {"locale": "en-US"} and entry.args == [2, 3]

    RedBeatSchedulerEntry("cache.warm", "proj.tasks.add", schedule(timedelta(seconds=45)),
                          args=[1, 1], app=redbeat_app).save()
    diff = api.post("/schedules:diff", json={}).json()
    assert [(c["name"], c["after"].get("interval_seconds")) for c in diff["changed"]] == [("cache.warm", 45)]
    assert api.post("/schedules:resync", json={"direction": "to_scheduler"}).status_code == 200
    entry = RedBeatSchedulerEntry.from_key("rb:cache.warm", app=redbeat_app)
    assert entry.schedule.run_every == timedelta(seconds=30) and entry.options == {"queue": "celery"}



def test_a_crontab_in_another_zone_than_the_apps_is_not_written_to_redbeat(api: TestClient, redbeat_app: Any) -> None:
    import redis

    link = api.post("/scheduler-links", json={"name": "redbeat", "type": "celery-beat", "source": {
        "kind": "redbeat", "redis_url": REDBEAT_URL, "key_prefix": "rb:", "timezone": "UTC"}}).json()
    body = {"name": "berlin.morning", "scheduler": "celery-beat", "link_id": link["id"], "task": "proj.tasks.add",
            "cron_expression": "0 7 * * *", "timezone": "Europe/Berlin"}
    refused = api.post("/schedules", json=body)
    assert refused.status_code == 409 and "Europe/Berlin" in refused.json()["detail"], refused.text
    assert not redis.Redis.from_url(REDBEAT_URL).exists("rb:berlin.morning")
    assert api.post("/schedules", json={**body, "timezone": "UTC"}).status_code == 201
