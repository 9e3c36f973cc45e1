"""Schedules over HTTP: the seed bodies, aliases, validation as 400 problems, paging."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.seed_bodies import DAILY_DIGEST, DAILY_REPORT, FOLLOW_UP, SEND_REMINDER


def problem_fields(response: Any) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return [".".join(str(p) for p in e["loc"]) for e in response.json()["errors"]]


def test_seed_002_bodies_create_callback_schedules(api: TestClient) -> None:
    cron = api.post("/schedules", json=DAILY_REPORT)
    assert cron.status_code == 201, cron.text
    assert cron.json()["kind"] == "callback"
    assert cron.json()["schedule_description"] == "At 09:00"
    once = api.post("/schedules", json=SEND_REMINDER).json()
    assert once["trigger_type"] == "once" and once["run_at"] == "2024-12-20T15:00:00Z"
    delayed = api.post("/schedules", json=FOLLOW_UP).json()
    assert delayed["trigger_type"] == "delayed" and delayed["delay_seconds"] == 3600

    paused = api.put(f"/schedules/{cron.json()['id']}", json={"status": "paused"})
    assert paused.json()["status"] == "paused"
    updated = api.put(f"/schedules/{cron.json()['id']}",
                      json={"name": "Updated Schedule", "cron_expression": "0 10 * * *"})
    assert updated.json()["name"] == "Updated Schedule"
    assert updated.json()["trigger"]["hour"] == "10"

    listed = api.get("/schedules", params={"status": "active", "type": "cron"}).json()
    assert listed["total"] == 0
    assert api.get("/schedules", params={"status": "paused"}).json()["total"] == 1


def test_seed_003_body_needs_a_scheduler_link(api: TestClient) -> None:
    refused = api.post("/schedules", json=DAILY_DIGEST)
    assert refused.status_code == 400
    assert problem_fields(refused) == ["body.scheduler"]
    body = {k: v for k, v in DAILY_DIGEST.items() if k != "scheduler"}
    created = api.post("/schedules", json=body)
    assert created.status_code == 201
    data = created.json()
    assert data["cron_expression"] == "0 9 * * *"
    assert data["trigger"] == {"minute": "0", "hour": "9", "day_of_month": "*",
                               "month_of_year": "*", "day_of_week": "*"}
    assert data["kwargs"] == {"locale": "en-US"} and data["scheduler"] == "kairos"


def test_invalid_cron_names_the_field(api: TestClient) -> None:
    response = api.post("/schedules", json={"task": "t", "cron_expression": "0 0 30 2 *"})
    assert response.status_code == 400
    assert problem_fields(response) == ["body.cron_expression"]
    assert "day-of-month" in response.json()["detail"]


def test_conflicting_aliases_are_refused(api: TestClient) -> None:
    response = api.post("/schedules", json={"task": "t", "cron_expression": "* * * * *",
                                            "is_active": True, "enabled": False})
    assert response.status_code == 400
    assert "is_active" in response.json()["detail"]


def test_errors_of_whole_body_checks_name_their_field(api: TestClient) -> None:
    """Conflicting aliases, a bad `status` and NUL characters are named in `loc`, not just "body"."""
    conflict = api.post("/schedules", json={"task": "t", "cron_expression": "* * * * *",
                                            "is_active": True, "enabled": False})
    assert [e["loc"] for e in conflict.json()["errors"]] == [["body", "is_active"]]
    made = api.post("/schedules", json={"task": "t", "cron_expression": "0 9 * * *"})
    sid = made.json()["id"]
    callback = api.post("http://testserver/api/agents/default/schedules", json={
        "name": "r", "type": "cron", "cron_expression": "0 9 * * *", "callback_type": "workflow",
        "callback_id": "wf"}).json()["id"]
    for path, body, loc in (
            (f"http://testserver/api/agents/default/schedules/{callback}", {"status": "completed"},
             ["body", "status"]),
            (f"/schedules/{sid}", {"status": "active", "enabled": False}, ["body", "status"]),
            (f"/schedules/{sid}", {"name": "a\x00b"}, ["body", "name"]),
            (f"/schedules/{sid}", {"kwargs": {"k": ["ok", "a\x00"]}}, ["body", "kwargs", "k", 1])):
        answer = api.put(path, json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert [e["loc"] for e in answer.json()["errors"]] == [loc], (body, answer.json())
    batch = api.post("/schedules:batch", json={"items": [
        {"task": "t", "cron_expression": "* * * * *"},
        {"task": "t", "cron_expression": "* * * * *", "type": "cron", "trigger_type": "interval"}]})
    assert [e["loc"] for e in batch.json()["errors"]] == [["body", "items", 1, "type"]], batch.json()


def test_a_schedule_kairos_runs_names_no_scheduler_link(api: TestClient) -> None:
    body = {"task": "kairos.sleep", "cron_expression": "0 9 * * *", "link_id": "link_x"}
    refused = api.post("/schedules", json=body)
    assert refused.status_code == 400, refused.text
    assert problem_fields(refused) == ["body.link_id"]
    sid = api.post("/schedules", json={k: v for k, v in body.items() if k != "link_id"}).json()["id"]
    patched = api.patch(f"/schedules/{sid}", json={"link_id": "link_x"})
    assert patched.status_code == 400 and problem_fields(patched) == ["body.link_id"], patched.text
    # With the Celery executor, link_id names its link (and an unknown one says so).
    celery = api.post("/schedules", json={**body, "executor": "celery"})
    assert celery.status_code == 400 and problem_fields(celery) == ["body.link_id"]
    assert "scheduler 'kairos'" not in celery.json()["detail"]


def test_bad_inputs_are_400_not_500(api: TestClient) -> None:
    cases: list[tuple[Any, str]] = [
        ({"task": "t", "interval_seconds": 5}, "body.interval_seconds"),
        ({"task": "t", "cron_expression": "* * * * *", "timezone": "Mars/Olympus"}, "body.timezone"),
        ({"task": "t", "run_at": "2026-01-01T00:00:00"}, "body.run_at"),
        ({"task": "t", "cron_expression": "* * * * *", "bogus": 1}, "body.bogus"),
        ({"task": "t", "cron_expression": "* * * * *", "args": ["x" * 70000]}, "body.args"),
        ({"kind": "reddit", "cron_expression": "0 */6 * * *"}, "body.target"),
        ({"cron_expression": "* * * * *"}, "body.kind"),
        ({"task": "t"}, "body.trigger_type"),
    ]
    for body, field in cases:
        response = api.post("/schedules", json=body)
        assert response.status_code == 400, (body, response.text)
        assert field in problem_fields(response), (body, response.json())
    assert api.post("/schedules", content=b"{not json",
                    headers={"content-type": "application/json"}).status_code == 400
    assert api.post("/schedules", json=[1, 2]).status_code == 400
    assert api.get("/schedules", params={"limit": 500}).status_code == 400
    assert api.get("/schedules", params={"cursor": "%%%"}).status_code == 400


def test_body_over_one_mebibyte_is_413(api: TestClient) -> None:
    response = api.post("/schedules", content=b"x" * (1024 * 1024 + 1),
                        headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_batch_is_all_or_nothing(api: TestClient) -> None:
    good = {"task": "t", "cron_expression": "0 * * * *"}
    response = api.post("/schedules:batch", json={"items": [good, {**good, "cron_expression": "x"}, good]})
    assert response.status_code == 400
    assert problem_fields(response) == ["body.items.1.cron_expression"]
    assert api.get("/schedules").json()["total"] == 0
    created = api.post("/schedules:batch", json={"items": [good] * 3})
    assert created.status_code == 201 and len(created.json()["items"]) == 3


def test_paging_with_cursor_and_offset(api: TestClient) -> None:
    ids = [api.post("/schedules", json={"task": f"t{i}", "cron_expression": "0 * * * *"}).json()["id"]
           for i in range(5)]
    first = api.get("/schedules", params={"limit": 2}).json()
    assert first["total"] == 5 and first["has_more"] is True
    second = api.get("/schedules", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    last = api.get("/schedules", params={"limit": 2, "offset": 4}).json()
    assert [s["id"] for s in first["items"] + second["items"] + last["items"]] == ids[::-1]
    assert last["has_more"] is False and last["next_cursor"] is None
    assert api.get("/schedules", params={"q": "t3"}).json()["total"] == 1


def test_preview_unsaved_and_saved(api: TestClient) -> None:
    body = {"cron_expression": "0 9 * * MON-FRI", "timezone": "Europe/Berlin", "count": 3,
            "after": "2026-03-27T12:00:00Z"}
    preview = api.post("/schedules:preview", json=body).json()
    assert preview["description"] == "At 09:00, Monday through Friday (Europe/Berlin)"
    assert preview["items"] == ["2026-03-30T07:00:00Z", "2026-03-31T07:00:00Z", "2026-04-01T07:00:00Z"]
    bad = api.post("/schedules:preview", json={"cron_expression": "0 9 * *"})
    assert bad.status_code == 400 and problem_fields(bad) == ["body.cron_expression"]
    created = api.post("/schedules", json={"task": "t", "cron_expression": "@hourly"}).json()
    saved = api.get(f"/schedules/{created['id']}/preview", params={"count": 4}).json()
    assert len(saved["items"]) == 4 and saved["description"] == "Every hour"


def test_enable_disable_pause_resume(api: TestClient) -> None:
    sid = api.post("/schedules", json={"task": "t", "cron_expression": "0 * * * *"}).json()["id"]
    assert api.post(f"/schedules/{sid}/disable").json()["enabled"] is False
    enabled = api.post(f"/schedules/{sid}/enable").json()
    assert enabled["enabled"] is True and enabled["next_run_at"] is not None
    assert api.post(f"/schedules/{sid}/pause").json()["status"] == "paused"
    assert api.post(f"/schedules/{sid}/resume").json()["status"] == "active"
    assert api.patch(f"/schedules/{sid}", json={"is_active": False}).json()["enabled"] is False
    job = api.post(f"/schedules/{sid}/trigger")
    assert job.status_code == 201 and job.json()["trigger"] == "manual"
    detail = api.get(f"/schedules/{sid}").json()
    assert [f["trigger"] for f in detail["recent_fires"]] == ["manual"]
    assert api.get(f"/schedules/{sid}/fires").json()["total"] == 1
    assert api.delete(f"/schedules/{sid}").status_code == 200
    assert api.get(f"/schedules/{sid}").status_code == 404


def test_idempotency_key_replays_the_first_answer(api: TestClient) -> None:
    body = {"task": "t", "cron_expression": "0 * * * *"}
    headers = {"Idempotency-Key": "create-1"}
    first = api.post("/schedules", json=body, headers=headers)
    again = api.post("/schedules", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert api.get("/schedules").json()["total"] == 1
    other = api.post("/schedules", json={**body, "name": "x"}, headers=headers)
    assert other.status_code == 409


def test_registered_tasks_are_listed(api: TestClient) -> None:
    listed = api.get("/tasks").json()
    names = {t["name"]: t for t in listed["tasks"]}
    assert {"kairos.sleep", "kairos.echo", "kairos.fail", "kairos.http_request"} <= set(names)
    assert names["kairos.sleep"]["description"].startswith("Sleep for `seconds`")
    assert isinstance(listed["workflows"], list)
