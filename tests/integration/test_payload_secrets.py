"""Credentials in a schedule's or job's parameters and URLs are write-only, as a strategy's are.

Every answer (canonical, scrape and agents dialects, to every role) shows them masked; an update
that sends back what it was shown keeps the stored secret, and a new value replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from kairos.domain.strategy_secrets import MASK
from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.test_scrape_api import add_strategy

ROOT = "http://testserver"
URL = "https://bob:hunter2@example.com/products?api_key=qk-1&page=1"
CALLBACK = "https://cb:cbpass@example.com/hook?token=cbtok-1"
SECRETS = ("hunter2", "qk-1", "sk_live_1", "cbpass", "cbtok-1")


def _shows_no_secret(answer: Any) -> None:
    text = str(answer)
    assert not [s for s in SECRETS if s in text], text


def _scrape_body(strategy_id: str) -> dict[str, Any]:
    return {"strategy_id": strategy_id, "url": URL, "urls": None, "interval_seconds": 3600,
            "parameters": {"api_key": "sk_live_1", "city": "Berlin"}}


def test_no_answer_shows_a_payload_secret_to_any_role(api: TestClient, store: SqlStore,
                                                      key_for: Callable[[str], str]) -> None:
    strategy = add_strategy(store)
    body = {k: v for k, v in _scrape_body(strategy.id).items() if v is not None}
    created = api.post("/schedules", json=body)
    assert created.status_code == 201, created.text
    _shows_no_secret(created.json())
    assert created.json()["parameters"] == {"api_key": MASK, "city": "Berlin"}
    assert created.json()["url"] == f"https://bob:{MASK}@example.com/products?api_key={MASK}&page=1"
    many = api.post("/schedules", json={**{k: v for k, v in body.items() if k != "url"},
                                        "urls": [URL, "https://example.com/plain"]})
    assert many.status_code == 201, many.text
    assert many.json()["urls"][1] == "https://example.com/plain"
    _shows_no_secret(many.json())
    callback = api.post("/schedules", json={"callback_type": "http", "callback_id": CALLBACK,
                                            "cron_expression": "0 9 * * *"})
    assert callback.status_code == 201, callback.text
    _shows_no_secret(callback.json())
    job = api.post("/jobs", json={k: v for k, v in body.items() if k != "interval_seconds"})
    assert job.status_code == 201, job.text
    _shows_no_secret(job.json())
    sid = created.json()["id"]
    for role in ("viewer", "operator", "admin"):
        headers = {"X-API-Key": key_for(role)}
        for path in (f"/schedules/{sid}", "/schedules", f"/schedules/{callback.json()['id']}",
                     f"/jobs/{job.json()['id']}", "/jobs", f"{ROOT}/api/schedules",
                     f"{ROOT}/api/schedules/{sid}", f"{ROOT}/api/agents/default/schedules",
                     f"{ROOT}/api/agents/default/schedules/{callback.json()['id']}"):
            answer = api.get(path, headers=headers)
            assert answer.status_code == 200, (path, answer.text)
            _shows_no_secret(answer.json())
    # The stored schedule keeps the secrets, for the fetcher.
    stored = store.get_schedule(store.get_workspace("default").id, sid)
    assert stored.payload["parameters"]["api_key"] == "sk_live_1" and stored.payload["url"] == URL


def test_sending_back_what_was_shown_keeps_the_secrets(api: TestClient, store: SqlStore) -> None:
    strategy = add_strategy(store)
    body = {k: v for k, v in _scrape_body(strategy.id).items() if v is not None}
    sid = api.post("/schedules", json=body).json()["id"]
    shown = api.get(f"/schedules/{sid}").json()
    changed = api.patch(f"/schedules/{sid}", json={"url": shown["url"],
                                                   "parameters": {**shown["parameters"], "city": "Paris"}})
    assert changed.status_code == 200, changed.text
    _shows_no_secret(changed.json())
    stored = store.get_schedule(store.get_workspace("default").id, sid)
    assert stored.payload["url"] == URL
    assert stored.payload["parameters"] == {"api_key": "sk_live_1", "city": "Paris"}
    # Through the scrape dialect too, and a new value replaces the old.
    seen = api.get(f"{ROOT}/api/schedules/{sid}").json()
    again = api.patch(f"{ROOT}/api/schedules/{sid}", json={"parameters": {**seen["parameters"], "x": "1"},
                                                           "urls": None, "url": seen["url"]})
    assert again.status_code == 200, again.text
    stored = store.get_schedule(store.get_workspace("default").id, sid)
    assert stored.payload["parameters"] == {"api_key": "sk_live_1", "city": "Paris", "x": "1"}
    assert stored.payload["url"] == URL
    api.put(f"/schedules/{sid}", json={"parameters": {"api_key": "sk_live_2"}})
    stored = store.get_schedule(store.get_workspace("default").id, sid)
    assert stored.payload["parameters"] == {"api_key": "sk_live_2"}


def test_urls_and_callbacks_sent_back_masked_keep_their_credentials(api: TestClient, store: SqlStore) -> None:
    strategy = add_strategy(store)
    body = {k: v for k, v in _scrape_body(strategy.id).items() if k != "url"}
    sid = api.post("/schedules", json={**body, "urls": ["https://example.com/plain", URL]}).json()["id"]
    shown = api.get(f"/schedules/{sid}").json()["urls"]
    api.patch(f"/schedules/{sid}", json={"urls": [shown[1], shown[0]]})
    ws = store.get_workspace("default").id
    assert store.get_schedule(ws, sid).payload["urls"] == [URL, "https://example.com/plain"]
    cid = api.post(f"{ROOT}/api/agents/default/schedules", json={
        "name": "hook", "type": "cron", "cron_expression": "0 9 * * *", "callback_type": "http",
        "callback_id": CALLBACK}).json()["id"]
    seen = api.get(f"{ROOT}/api/agents/default/schedules/{cid}").json()
    _shows_no_secret(seen)
    put = api.put(f"{ROOT}/api/agents/default/schedules/{cid}", json={"callback_id": seen["callback_id"],
                                                                      "name": "renamed"})
    assert put.status_code == 200, put.text
    assert store.get_schedule(ws, cid).payload["callback_id"] == CALLBACK


def test_a_mask_that_stands_for_no_stored_secret_is_refused_not_stored(api: TestClient, store: SqlStore) -> None:
    strategy = add_strategy(store)
    sid = api.post("/schedules", json=_scrape_body(strategy.id)).json()["id"]
    shown = api.get(f"/schedules/{sid}").json()
    renamed = api.patch(f"/schedules/{sid}", json={"parameters": {"apikey": shown["parameters"]["api_key"]}})
    assert renamed.status_code == 400, renamed.text
    assert [e["loc"][-2:] for e in renamed.json()["errors"]] == [["parameters", "apikey"]]
    edited = api.patch(f"/schedules/{sid}", json={"url": shown["url"].replace("/products", "/catalogue")})
    assert edited.status_code == 400 and edited.json()["errors"][0]["loc"][-1] == "url", edited.text
    ws = store.get_workspace("default").id
    assert store.get_schedule(ws, sid).payload["url"] == URL  # nothing stored: the secret is intact
    assert store.get_schedule(ws, sid).payload["parameters"]["api_key"] == "sk_live_1"
