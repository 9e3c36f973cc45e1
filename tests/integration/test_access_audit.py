"""The audit log: every successful change in a workspace, by whom, from where; nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from kairos.api.audit import describe_route
from kairos.store.pages import Page
from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.access_helpers import ROOT, WS, make_app, signed_in

ADMIN_KEY = "kr_audit_admin_key"
SCHEDULE = {"task": "kairos.echo", "cron_expression": "0 * * * *",
            "webhook_url": "https://example.com/hook"}


def _entries(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/audit-log", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_changes_are_recorded_with_actor_action_resource_and_address(
    store: SqlStore, key_for: Callable[..., str], user_for: Callable[..., str],
) -> None:
    app = make_app(store, ADMIN_KEY)
    admin = TestClient(app, base_url=f"{WS}/default", headers={"X-API-Key": ADMIN_KEY})
    operator = {"X-API-Key": key_for("operator")}
    created = admin.post("/schedules", json=SCHEDULE, headers=operator).json()
    admin.post(f"/schedules/{created['id']}/trigger", headers=operator)
    admin.get(f"/schedules/{created['id']}", headers=operator)  # reads are not changes
    admin.post("/schedules", json={"task": "t"}, headers=operator)  # refused (400): not recorded
    admin.delete(f"/schedules/{created['id']}", headers=operator)  # refused (403): not recorded
    email = user_for("admin")
    person, csrf = signed_in(app, email)
    key = person.post(f"{WS}/default/api-keys", json={"name": "ci", "role": "viewer"},
                      headers={"X-CSRF-Token": csrf}).json()
    person.delete(f"{WS}/default/api-keys/{key['id']}", headers={"X-CSRF-Token": csrf})

    entries = _entries(admin)
    summary = [(e["actor"]["type"], e["actor"]["label"], e["action"], e["resource_type"],
                e["resource_id"], e["status"]) for e in entries]
    assert summary == [
        ("user", email, "api_key.revoke", "api_key", key["id"], 200),
        ("user", email, "api_key.create", "api_key", key["id"], 201),
        ("key", "operator key", "schedule.trigger", "schedule", created["id"], 201),
        ("key", "operator key", "schedule.create", "schedule", created["id"], 201),
    ]
    assert {e["ip"] for e in entries} == {"testclient"}
    assert all(e["at"].endswith("Z") and e["id"].startswith("aud_") for e in entries)
    # Bodies are never kept: neither the new key's secret nor the webhook secret appear.
    text = str(entries) + repr(store.list_audit_entries(store.get_workspace("default").id, Page()))
    assert key["secret"] not in text and created["webhook_secret"] not in text


def test_replays_and_requests_that_change_nothing_are_not_recorded(store: SqlStore) -> None:
    app = make_app(store, ADMIN_KEY)
    admin = TestClient(app, base_url=f"{WS}/default", headers={"X-API-Key": ADMIN_KEY})
    once = {"Idempotency-Key": "audit-replay"}
    first = admin.post("/schedules", json=SCHEDULE, headers=once)
    replayed = admin.post("/schedules", json=SCHEDULE, headers=once)
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert replayed.json()["id"] == first.json()["id"]
    preview = admin.post("/schedules:preview", json={"cron_expression": "0 9 * * *", "count": 2})
    assert preview.status_code == 200
    strategy = admin.post("/strategies", json={"name": "s", "type": "css", "item": "li",
                                              "fields": {"t": "::text"}}).json()
    tried = admin.post(f"/strategies/{strategy['id']}/test", json={"html": "<ul><li>a</li></ul>"})
    assert tried.status_code == 200
    assert [(e["action"], e["resource_id"]) for e in _entries(admin)] == [
        ("strategy.create", strategy["id"]), ("schedule.create", first.json()["id"])]


def test_only_admins_read_it_and_only_their_workspace(
    store: SqlStore, key_for: Callable[..., str], user_for: Callable[..., str],
) -> None:
    app = make_app(store, ADMIN_KEY)
    admin = TestClient(app, base_url=f"{WS}/default", headers={"X-API-Key": ADMIN_KEY})
    admin.post("/schedules", json=SCHEDULE)
    assert admin.get("/audit-log", headers={"X-API-Key": key_for("operator")}).status_code == 403
    outsider = {"X-API-Key": key_for("admin", "other")}
    assert admin.get("/audit-log", headers=outsider).status_code == 404
    assert admin.get(f"{WS}/other/audit-log", headers=outsider).json()["items"] == []
    # Paged like every list.
    admin.post("/schedules", json=SCHEDULE)
    first = admin.get("/audit-log", params={"limit": 1}).json()
    assert first["total"] == 2 and first["has_more"] is True
    rest = admin.get("/audit-log", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert rest["items"][0]["id"] != first["items"][0]["id"]


def test_creating_a_workspace_is_the_first_entry_of_its_log(
    store: SqlStore, user_for: Callable[..., str],
) -> None:
    app = make_app(store, ADMIN_KEY)
    email = user_for(None)
    client, csrf = signed_in(app, email)
    ws = client.post(f"{ROOT}/api/v1/workspaces", json={"slug": "fresh", "name": "Fresh"},
                     headers={"X-CSRF-Token": csrf}).json()
    entries = client.get(f"{WS}/fresh/audit-log").json()["items"]
    assert [(e["action"], e["resource_id"], e["actor"]["label"]) for e in entries] == [
        ("workspace.create", ws["id"], email)]


def test_action_names_come_from_the_route_template() -> None:
    prefix = "/api/v1/workspaces/{workspace}"
    cases = {
        ("POST", "/schedules"): ("schedule.create", "schedule", None),
        ("PATCH", "/schedules/{schedule_id}"): ("schedule.update", "schedule", "schedule_id"),
        ("POST", "/schedules:batch"): ("schedule.batch", "schedule", None),
        ("POST", "/schedules/{schedule_id}/webhook-secret/regenerate"):
            ("schedule.webhook-secret.regenerate", "schedule", "schedule_id"),
        ("POST", "/strategies/{strategy_id}/test"): ("strategy.test", "strategy", "strategy_id"),
        ("DELETE", "/jobs/{job_id}"): ("job.cancel", "job", "job_id"),
        ("DELETE", "/members/{user_id}"): ("member.remove", "member", "user_id"),
        ("DELETE", "/api-keys/{key_id}"): ("api_key.revoke", "api_key", "key_id"),
    }
    for (method, path), expected in cases.items():
        assert describe_route(path, method) == expected
        assert describe_route(prefix + path, method) == expected
