"""A team links an uploaded beat_schedule: CRUD with masked URLs, roles, import, diff, resync, 409s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.links.conftest import make_api

BEAT: dict[str, Any] = {
    "email.daily-digest": {"task": "email.send_daily_digest",
                           "schedule": {"type": "crontab", "minute": "0", "hour": "9", "day_of_week": "*",
                                        "timezone": "Europe/Berlin"},
                           "kwargs": {"locale": "en-US"}},
    "cache.warm": {"task": "cache.warm", "schedule": 30.0, "args": [1, 2], "options": {"queue": "low"}},
    "lights.on": {"task": "home.lights", "schedule": {"type": "solar", "event": "sunset",
                                                      "lat": 52.52, "lon": 13.4}},
}


def link_body(beat: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": "uploaded", "type": "celery-beat",
            "broker_url": "redis://:s3cret@127.0.0.1:6379/11",
            "source": {"kind": "json", "beat_schedule": beat or BEAT}, **extra}


@pytest.fixture
def links_api(sqlite_store: SqlStore) -> Iterator[TestClient]:
    with make_api(sqlite_store, allow_private_networks=True) as client:
        yield client


@pytest.fixture
def both_api(store: SqlStore) -> Iterator[TestClient]:
    """On SQLite and PostgreSQL, for the main story."""
    with make_api(store, allow_private_networks=True) as client:
        yield client


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


def test_a_link_never_shows_its_password_and_keeps_it_when_sent_back_masked(
        links_api: TestClient, sqlite_store: SqlStore) -> None:
    created = links_api.post("/scheduler-links", json=link_body())
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["broker_url"] == "redis://:****@127.0.0.1:6379/11"
    assert "s3cret" not in created.text
    assert link["writable"] is False and "read-only" in link["read_only_reason"]
    assert link["worker_events"]["seen"] is False and "-E" in link["worker_events"]["note"]
    listed = links_api.get("/scheduler-links").json()
    assert listed["total"] == 1 and "s3cret" not in str(listed)
    # A form echoes the masked URL back: the stored password stays.
    patched = links_api.patch(f"/scheduler-links/{link['id']}", json={"broker_url": link["broker_url"],
                                                                       "name": "beat"})
    assert patched.status_code == 200 and patched.json()["name"] == "beat"
    assert sqlite_store.get_link(link["workspace_id"], link["id"]).broker_url == "redis://:s3cret@127.0.0.1:6379/11"
    assert links_api.post("/scheduler-links", json={**link_body(), "name": "beat"}).status_code == 409


def test_bad_links_are_400s_naming_the_field(links_api: TestClient) -> None:
    cases = [
        ({"name": "x", "type": "cron"}, ["body", "type"]),
        ({**link_body(), "broker_url": "http://example.com"}, ["body", "broker_url"]),
        ({**link_body(), "source": {"kind": "redbeat"}}, ["body", "source", "redis_url"]),
        ({**link_body(), "source": {"kind": "app", "app": "not a module"}}, ["body", "source", "app"]),
        ({"name": "a", "type": "apscheduler", "source": {"kind": "json", "beat_schedule": {}}},
         ["body", "source", "kind"]),
    ]
    for body, loc in cases:
        response = links_api.post("/scheduler-links", json=body)
        assert response.status_code == 400, (body, response.text)
        assert loc in [e["loc"] for e in response.json()["errors"]], response.json()


def test_private_addresses_need_the_operators_consent(sqlite_store: SqlStore) -> None:
    with make_api(sqlite_store) as client:
        response = client.post("/scheduler-links", json=link_body())
        assert response.status_code == 400
        assert response.json()["errors"][0]["loc"] == ["body", "broker_url"]
        assert "KAIROS_ALLOW_PRIVATE_NETWORKS" in response.json()["errors"][0]["msg"]


def test_roles_viewer_reads_operator_links_admin_unlinks(links_api: TestClient, link_key_for: Any) -> None:
    viewer, operator = link_key_for("viewer"), link_key_for("operator")
    assert links_api.post("/scheduler-links", json=link_body(), headers={"X-API-Key": viewer}).status_code == 403
    created = links_api.post("/scheduler-links", json=link_body(), headers={"X-API-Key": operator})
    assert created.status_code == 201
    link_id = created.json()["id"]
    assert links_api.get(f"/scheduler-links/{link_id}", headers={"X-API-Key": viewer}).status_code == 200
    assert links_api.post("/schedules:import", json={}, headers={"X-API-Key": viewer}).status_code == 403
    assert links_api.delete(f"/scheduler-links/{link_id}", headers={"X-API-Key": operator}).status_code == 403
    other = link_key_for("admin", workspace="other")
    assert links_api.get(f"/scheduler-links/{link_id}", headers={"X-API-Key": other}).status_code == 404


def test_import_maps_crontab_interval_and_solar_then_diff_and_resync(both_api: TestClient) -> None:
    links_api = both_api
    link_id = links_api.post("/scheduler-links", json=link_body()).json()["id"]
    before = links_api.post("/schedules:diff", json={"link_id": link_id}).json()
    assert sorted(a["name"] for a in before["added"]) == ["cache.warm", "email.daily-digest", "lights.on"]
    assert links_api.get("/schedules").json()["total"] == 0  # the diff wrote nothing

    imported = links_api.post("/schedules:import", json={})  # the workspace's only link
    assert imported.status_code == 200, imported.text
    schedules = by_name(links_api.get("/schedules", params={"scheduler": "celery-beat"}).json()["items"])
    digest, warm, lights = schedules["email.daily-digest"], schedules["cache.warm"], schedules["lights.on"]
    assert digest["cron_expression"] == "0 9 * * *" and digest["timezone"] == "Europe/Berlin"
    assert digest["trigger"]["hour"] == "9" and digest["link_id"] == link_id
    assert digest["kwargs"] == {"locale": "en-US"} and digest["next_run_at"] is not None
    assert warm["interval_seconds"] == 30 and warm["args"] == [1, 2]
    assert warm["external"]["options"] == {"queue": "low"}
    assert lights["trigger_type"] == "external" and lights["read_only_reason"].startswith("Kairos has no solar")
    assert "sunset" in lights["schedule_description"]
    # Kairos never fires a linked schedule itself: the beat does.
    assert links_api.post("/schedules:diff", json={}).json() == {
        "link_id": link_id, "added": [], "removed": [], "changed": [], "unchanged": 3, "read_only": []}

    changed_beat = {**BEAT, "cache.warm": {**BEAT["cache.warm"], "schedule": 60, "args": [3]}}
    del changed_beat["lights.on"]
    changed_beat["reports.weekly"] = {"task": "reports.weekly", "schedule": {"type": "crontab", "minute": "30",
                                                                             "hour": "7", "day_of_week": "mon"}}
    assert links_api.patch(f"/scheduler-links/{link_id}",
                           json={"source": {"kind": "json", "beat_schedule": changed_beat}}).status_code == 200
    diff = links_api.post("/schedules:diff", json={"link_id": link_id}).json()
    assert [a["name"] for a in diff["added"]] == ["reports.weekly"]
    assert diff["added"][0]["cron_expression"] == "30 7 * * mon"
    assert [r["name"] for r in diff["removed"]] == ["lights.on"]
    assert diff["changed"] == [{"name": "cache.warm", "schedule_id": warm["id"],
                                "before": {"args": [1, 2], "interval_seconds": 30},
                                "after": {"args": [3], "interval_seconds": 60}}]

    refused = links_api.post("/schedules:resync", json={"link_id": link_id, "direction": "to_scheduler"})
    assert refused.status_code == 409 and "read-only" in refused.json()["detail"]
    resynced = links_api.post("/schedules:resync", json={"link_id": link_id, "direction": "from_scheduler"})
    assert resynced.status_code == 200 and resynced.json()["applied"] is True
    after = by_name(links_api.get("/schedules").json()["items"])
    assert set(after) == {"email.daily-digest", "cache.warm", "reports.weekly"}
    assert after["cache.warm"]["id"] == warm["id"] and after["cache.warm"]["interval_seconds"] == 60
    assert links_api.post("/schedules:diff", json={}).json()["unchanged"] == 3

    actions = [e["action"] for e in links_api.get("/audit-log", params={"limit": 200}).json()["items"]]
    assert {"schedule.sync.create", "schedule.sync.update", "schedule.sync.delete", "schedule.import",
            "schedule.resync"} <= set(actions)
    assert "schedule.diff" not in actions


def test_a_read_only_links_schedules_cannot_be_changed_or_created_in_kairos(links_api: TestClient) -> None:
    links_api.post("/scheduler-links", json=link_body())
    links_api.post("/schedules:import", json={})
    digest = by_name(links_api.get("/schedules").json()["items"])["email.daily-digest"]
    patched = links_api.patch(f"/schedules/{digest['id']}", json={"kwargs": {"locale": "de"}})
    assert patched.status_code == 409 and "read-only" in patched.json()["detail"]
    assert links_api.post(f"/schedules/{digest['id']}/disable").status_code == 409
    created = links_api.post("/schedules", json={"name": "new", "scheduler": "celery-beat", "task": "t",
                                                 "cron_expression": "0 9 * * *"})
    assert created.status_code == 409


def test_a_schedule_naming_a_scheduler_needs_exactly_one_link_or_its_id(links_api: TestClient) -> None:
    body = {"name": "x", "scheduler": "apscheduler", "task": "t", "cron_expression": "0 9 * * *"}
    missing = links_api.post("/schedules", json=body)
    assert missing.status_code == 400 and missing.json()["errors"][0]["loc"] == ["body", "scheduler"]
    links_api.post("/scheduler-links", json=link_body())
    links_api.post("/scheduler-links", json={**link_body(), "name": "second"})
    several = links_api.post("/schedules:import", json={})
    assert several.status_code == 400 and "link_id" in several.json()["detail"]


def test_a_malformed_beat_schedule_entry_is_a_400_naming_it(links_api: TestClient) -> None:
    bad = link_body({"bad": {"task": "t", "schedule": "soon"}})
    link_id = links_api.post("/scheduler-links", json=bad).json()["id"]
    response = links_api.post("/schedules:diff", json={"link_id": link_id})
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == ["body", "source", "beat_schedule", "bad", "schedule"]


def test_unlinking_deletes_kaiross_copies(links_api: TestClient) -> None:
    link_id = links_api.post("/scheduler-links", json=link_body()).json()["id"]
    links_api.post("/schedules:import", json={"link_id": link_id})
    assert links_api.get("/schedules").json()["total"] == 3
    assert links_api.delete(f"/scheduler-links/{link_id}").status_code == 200
    assert links_api.get("/schedules").json()["total"] == 0
    assert links_api.get(f"/scheduler-links/{link_id}").status_code == 404
