"""Idempotency-Key: claimed before the request runs, honoured on every POST (issue 8; issue 13, 6)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import httpx
from fastapi.testclient import TestClient

from kairos.api.passwords import hash_password
from kairos.ids import new_id
from kairos.store.access import User
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.access_helpers import PASSWORD, WS, signed_in
from tests.integration.conftest import ADMIN_KEY

RACERS = 8


def _key() -> dict[str, str]:
    return {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}


def _race(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> list[httpx.Response]:
    start = threading.Barrier(RACERS)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def one() -> None:
        start.wait()
        response = client.post(path, json=body, headers=headers)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=one) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_concurrent_retries_run_the_request_once(module_api: TestClient) -> None:
    name = f"race-{uuid.uuid4().hex[:8]}"
    body = {"name": name, "interval_seconds": 3600, "task": "kairos.echo"}
    answers = _race(module_api, "/schedules", body, _key())
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    made = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(made) == 1
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "1"
    listed = module_api.get("/schedules", params={"q": name}).json()
    assert listed["total"] == 1
    # Once the first has finished, a retry gets its answer.
    again = module_api.post("/schedules", json=body, headers=answers[0].request.headers)
    assert again.status_code == 201 and again.json()["id"] in made
    assert again.headers["idempotent-replayed"] == "true"


def test_a_replayed_key_creation_mints_no_second_key_and_shows_no_secret(module_api: TestClient,
                                                                          module_store: SqlStore) -> None:
    headers = _key()
    body = {"name": "deploy", "role": "viewer"}
    first = module_api.post("/api-keys", json=body, headers=headers)
    assert first.status_code == 201 and first.json()["secret"].startswith("kr_")
    count = module_store.count_api_keys()
    replay = module_api.post("/api-keys", json=body, headers=headers)
    assert replay.status_code == 201
    assert replay.json()["id"] == first.json()["id"]
    assert replay.json()["prefix"] == first.json()["prefix"]
    assert replay.json()["secret"] is None
    assert "shown once" in replay.json()["secret_note"]
    assert module_store.count_api_keys() == count
    # The secret is not kept anywhere for the replay.
    with module_store.db.read() as conn:
        stored = conn.exec_driver_sql("SELECT response FROM idempotency_keys").all()
    assert first.json()["secret"] not in repr(stored)


def test_a_failed_request_gives_its_key_back(module_api: TestClient) -> None:
    headers = _key()
    bad = module_api.post("/jobs", json={"task": "kairos.echo", "args": "not a list"}, headers=headers)
    assert bad.status_code == 400
    good = module_api.post("/jobs", json={"task": "kairos.echo"}, headers=headers)
    assert good.status_code == 201
    other = module_api.post("/jobs", json={"task": "kairos.echo", "args": [1]}, headers=headers)
    assert other.status_code == 409 and "different request" in other.json()["detail"]


def _account(store: SqlStore) -> str:
    now = utcnow()
    user = User(id=new_id("usr"), email=f"{uuid.uuid4().hex[:12]}@example.com", created_at=now)
    store.add_user(user, hash_password(PASSWORD))
    return user.email


def test_actions_and_members_and_workspaces_replay(module_api: TestClient, module_store: SqlStore) -> None:
    sid = module_api.post("/schedules", json={"interval_seconds": 3600, "task": "kairos.echo"}).json()["id"]
    headers = _key()
    first = module_api.post(f"/schedules/{sid}/trigger", headers=headers)
    second = module_api.post(f"/schedules/{sid}/trigger", headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    secret = _key()
    regenerated = module_api.post(f"/schedules/{sid}/webhook-secret/regenerate", headers=secret).json()
    replayed = module_api.post(f"/schedules/{sid}/webhook-secret/regenerate", headers=secret).json()
    # Regenerated once: the replay names the schedule but does not show the secret again.
    assert regenerated["webhook_secret"].startswith("whsec_")
    assert replayed == {**regenerated, "webhook_secret": None, "secret_note": replayed["secret_note"]}
    assert "shown once" in replayed["secret_note"]

    email = _account(module_store)
    add = _key()
    member = module_api.post("/members", json={"email": email, "role": "viewer"}, headers=add)
    assert member.status_code == 201
    assert module_api.post("/members", json={"email": email, "role": "viewer"}, headers=add).status_code == 201

    client, csrf = signed_in(module_api.app, email, PASSWORD)  # type: ignore[arg-type]
    slug = f"ws-{uuid.uuid4().hex[:8]}"
    once = {"X-CSRF-Token": csrf, **_key()}
    made = client.post(WS, json={"slug": slug, "name": "Team"}, headers=once)
    assert made.status_code == 201
    replayed = client.post(WS, json={"slug": slug, "name": "Team"}, headers=once)
    assert replayed.status_code == 201 and replayed.json() == made.json()
    assert module_store.get_workspace(slug).id == made.json()["id"]
    # A key is scoped to its caller: the admin key may reuse it for its own request.
    assert module_api.post("/jobs", json={"task": "kairos.echo"}, headers={
        "X-API-Key": ADMIN_KEY, "Idempotency-Key": once["Idempotency-Key"]}).status_code == 201
