"""Webhook fields through the API: the secret shown only when made, validation, deliveries list."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.test_scrape_api import add_strategy
from tests.integration.webhook_receivers import finish_job

HOOK = "https://hooks.example.com/kairos"


def create(api: TestClient, **fields: Any) -> Any:
    body = {"task": "kairos.echo", "interval_seconds": 3600, **fields}
    return api.post("/schedules", json=body)


def error_fields(response: Any) -> list[str]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["loc"][-1] for e in response.json()["errors"]]


def test_the_secret_is_shown_on_create_and_never_again(api: TestClient) -> None:
    created = create(api, webhook_url=HOOK, webhook_metadata={"team": "ops"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["webhook_secret"].startswith("whsec_")
    assert body["webhook_type"] == "standard" and body["webhook_metadata"] == {"team": "ops"}
    sid = body["id"]
    assert api.get(f"/schedules/{sid}").json()["webhook_secret"] is None
    assert all(s["webhook_secret"] is None for s in api.get("/schedules").json()["items"])
    patched = api.patch(f"/schedules/{sid}", json={"name": "renamed"})
    assert patched.status_code == 200 and patched.json()["webhook_secret"] is None


def test_an_idempotent_replay_never_shows_the_secret_again(api: TestClient, store: SqlStore) -> None:
    """The replayed answer is stored: it keeps no secret, and says the secret was shown once."""
    root = "http://testserver"
    strategy = add_strategy(store)
    scrape = {"strategy_id": strategy.id, "url": "https://example.com/p", "interval_seconds": 3600,
              "webhook_url": HOOK}
    first_task = create(api, webhook_url=HOOK)
    sid = first_task.json()["id"]
    requests: list[tuple[str, dict[str, Any]]] = [
        ("/schedules", {"task": "kairos.echo", "interval_seconds": 3600, "webhook_url": HOOK}),
        ("/schedules:batch", {"items": [{"task": "kairos.echo", "interval_seconds": 3600, "webhook_url": HOOK},
                                        {"task": "kairos.echo", "interval_seconds": 3600}]}),
        (f"{root}/api/schedules", scrape),
        (f"{root}/api/schedules/{sid}/webhook-secret/regenerate", {}),
        (f"/schedules/{sid}/webhook-secret/regenerate", {}),
    ]
    for index, (path, body) in enumerate(requests):
        if path.startswith(f"{root}/api/schedules/"):
            path = path.replace(sid, api.post(f"{root}/api/schedules", json=scrape).json()["schedule_id"])
        headers = {"Idempotency-Key": f"replay-{index}"}
        first = api.post(path, json=body, headers=headers)
        assert first.status_code in (200, 201), (path, first.text)
        again = api.post(path, json=body, headers=headers)
        assert again.headers.get("Idempotent-Replayed") == "true", path
        shown = first.json()["items"] if "items" in first.json() else [first.json()]
        replayed = again.json()["items"] if "items" in again.json() else [again.json()]
        assert shown[0]["webhook_secret"].startswith("whsec_"), path
        assert "whsec_" not in str(again.json()), (path, again.json())
        assert replayed[0]["webhook_secret"] is None and "shown once" in replayed[0]["secret_note"], path
        if len(replayed) > 1:  # an item without a secret has nothing to explain
            assert replayed[1]["webhook_secret"] is None and replayed[1].get("secret_note") is None


def test_a_given_secret_is_kept_and_a_bad_one_refused(api: TestClient) -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    created = create(api, webhook_url=HOOK, webhook_secret=secret)
    assert created.status_code == 201 and created.json()["webhook_secret"] == secret
    assert error_fields(create(api, webhook_url=HOOK, webhook_secret="hunter2")) == ["webhook_secret"]
    assert error_fields(create(api, webhook_url=HOOK, webhook_secret="whsec_!!!")) == ["webhook_secret"]


def test_a_numeric_private_webhook_url_is_a_400_at_create_time(api: TestClient) -> None:
    for url in ("http://0/hook", "http://2130706433/hook"):
        assert error_fields(create(api, webhook_url=url)) == ["webhook_url"], url
    sid = create(api, webhook_url=HOOK).json()["id"]
    assert error_fields(api.patch(f"/schedules/{sid}", json={"webhook_url": "http://0x7f.1/h"})) == ["webhook_url"]


def test_slack_is_detected_from_the_url(api: TestClient) -> None:
    created = create(api, webhook_url="https://hooks.slack.com/services/T000/B000/XXXX")
    assert created.json()["webhook_type"] == "slack"
    sid = created.json()["id"]
    moved = api.patch(f"/schedules/{sid}", json={"webhook_url": HOOK})
    assert moved.json()["webhook_type"] == "standard"


def test_bad_webhook_fields_are_400s_naming_the_field(api: TestClient) -> None:
    assert error_fields(create(api, webhook_url="ftp://example.com/x")) == ["webhook_url"]
    assert error_fields(create(api, webhook_url="http://127.0.0.1:9000/hook")) == ["webhook_url"]
    assert error_fields(create(api, webhook_url="http://localhost/hook")) == ["webhook_url"]
    assert error_fields(create(api, webhook_url="http://[::1]/hook")) == ["webhook_url"]
    assert error_fields(create(api, webhook_url="http://169.254.169.254/latest")) == ["webhook_url"]
    big = {"blob": "x" * 17000}
    assert error_fields(create(api, webhook_url=HOOK, webhook_metadata=big)) == ["webhook_metadata"]
    assert "webhook_metadata" in error_fields(create(api, webhook_url=HOOK, webhook_metadata=[1]))
    assert "webhook_type" in error_fields(create(api, webhook_url=HOOK, webhook_type="teams"))


def test_removing_the_url_removes_the_webhook(api: TestClient) -> None:
    sid = create(api, webhook_url=HOOK).json()["id"]
    removed = api.patch(f"/schedules/{sid}", json={"webhook_url": None})
    assert removed.status_code == 200
    assert removed.json()["webhook_url"] is None and removed.json()["webhook_type"] is None


def test_adding_a_webhook_later_generates_a_secret(api: TestClient, store: SqlStore) -> None:
    created = create(api)
    assert created.json()["webhook_url"] is None and created.json()["webhook_secret"] is None
    sid = created.json()["id"]
    assert api.patch(f"/schedules/{sid}", json={"webhook_url": HOOK}).status_code == 200
    ws = store.get_workspace("default").id
    assert (store.get_schedule(ws, sid).webhook_secret or "").startswith("whsec_")


def test_deliveries_are_listed_newest_first_with_their_attempts(api: TestClient, store: SqlStore) -> None:
    sid = create(api, webhook_url=HOOK).json()["id"]
    ws = store.get_workspace("default").id
    schedule = store.get_schedule(ws, sid)
    first = finish_job(store, schedule, [1])
    second = finish_job(store, schedule, [2])
    listed = api.get(f"/schedules/{sid}/deliveries", params={"limit": 1})
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["total"] == 2 and page["has_more"] is True
    [newest] = page["items"]
    assert newest["job_id"] == second.id and newest["id"].startswith("dlv_")
    assert newest["event"] == "job.completed" and newest["status"] == "pending"
    assert newest["attempt_count"] == 0 and newest["attempts"] == []
    assert newest["next_attempt_at"].endswith("Z")
    assert newest["payload"]["job_id"] == second.id, "the body sent is shown as JSON"
    rest = api.get(f"/schedules/{sid}/deliveries", params={"cursor": page["next_cursor"]}).json()
    assert [d["job_id"] for d in rest["items"]] == [first.id]


def test_roles_and_workspaces(api: TestClient, key_for: Any) -> None:
    sid = create(api, webhook_url=HOOK).json()["id"]
    viewer = {"X-API-Key": key_for("viewer")}
    assert api.get(f"/schedules/{sid}/deliveries", headers=viewer).status_code == 200
    assert api.post(f"/schedules/{sid}/webhook-secret/regenerate", headers=viewer).status_code == 403
    operator = {"X-API-Key": key_for("operator")}
    assert api.post(f"/schedules/{sid}/webhook-secret/regenerate", headers=operator).status_code == 200
    stranger = {"X-API-Key": key_for("admin", "elsewhere")}
    other = "http://testserver/api/v1/workspaces/elsewhere/schedules"
    mine = api.get(f"{other}/{sid}/deliveries", headers=stranger)
    assert mine.status_code == 404 and "schedule" in mine.json()["detail"]
    assert api.post(f"{other}/{sid}/webhook-secret/regenerate", headers=stranger).status_code == 404
    assert api.get("/schedules/sched_missing/deliveries").status_code == 404
