"""An api strategy's credentials are write-only: masked for every role, kept unless replaced (issue 13, 1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from kairos.domain.strategy_secrets import MASK
from kairos.store.sqlalchemy.store import SqlStore

STRATEGY: dict[str, Any] = {
    "name": "Weather", "type": "api", "item": "days", "fields": {"day": "date"},
    "request": {"method": "POST", "url": "https://bob:hunter2@api.example.com/v1?city={city}&api_key=abc123",
                "headers": {"Authorization": "Bearer tok-1", "X-Api-Key": "key-1", "Accept": "application/json",
                            "X-Signed": "Bearer {token}"},
                "body": {"query": "{city}", "client_secret": "cs-1", "nested": [{"password": "pw-1"}]}},
    "parameters": {"city": "Berlin", "token": "tok-2"},
}
SECRETS = ("hunter2", "abc123", "tok-1", "key-1", "cs-1", "pw-1", "tok-2")


def _shows_no_secret(answer: Any) -> None:
    text = str(answer)
    assert not [s for s in SECRETS if s in text], text


def test_no_answer_shows_a_secret_to_any_role(api: TestClient, store: SqlStore,
                                              key_for: Callable[[str], str]) -> None:
    created = api.post("/strategies", json=STRATEGY)
    assert created.status_code == 201
    _shows_no_secret(created.json())
    request = created.json()["request"]
    assert request["headers"] == {"Authorization": MASK, "X-Api-Key": MASK, "Accept": "application/json",
                                  "X-Signed": "Bearer {token}"}
    assert request["url"] == f"https://bob:{MASK}@api.example.com/v1?city={{city}}&api_key={MASK}"
    assert created.json()["parameters"] == {"city": "Berlin", "token": MASK}
    sid = created.json()["id"]
    for role in ("viewer", "operator", "admin"):
        headers = {"X-API-Key": key_for(role)}
        _shows_no_secret(api.get(f"/strategies/{sid}", headers=headers).json())
        _shows_no_secret(api.get("/strategies", headers=headers).json())
    # The stored strategy still holds every secret, for the fetcher.
    stored = store.get_strategy(store.get_workspace("default").id, sid)
    assert stored.request is not None and stored.request.headers["Authorization"] == "Bearer tok-1"


def test_an_update_keeps_masked_secrets_and_replaces_new_ones(api: TestClient, store: SqlStore) -> None:
    sid = api.post("/strategies", json=STRATEGY).json()["id"]
    shown = api.get(f"/strategies/{sid}").json()
    # A client edits what it was shown: the masked values stand for the stored ones.
    request = {**shown["request"], "headers": {**shown["request"]["headers"], "X-Api-Key": "key-2"}}
    changed = api.patch(f"/strategies/{sid}", json={"request": request,
                                                     "parameters": {**shown["parameters"], "city": "Paris"}})
    assert changed.status_code == 200, changed.text
    _shows_no_secret(changed.json())
    stored = store.get_strategy(store.get_workspace("default").id, sid)
    assert stored.request is not None
    assert stored.request.headers["Authorization"] == "Bearer tok-1"
    assert stored.request.headers["X-Api-Key"] == "key-2"
    assert stored.request.url == STRATEGY["request"]["url"]
    assert stored.request.body["client_secret"] == "cs-1"
    assert stored.request.body["nested"] == [{"password": "pw-1"}]
    assert stored.parameters == {"city": "Paris", "token": "tok-2"}
