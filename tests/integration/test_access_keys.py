"""API keys: made by admins, the secret shown once, revoked from the next request on, expiring."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import isoformat_z, utcnow
from tests.integration.access_helpers import WS, make_app

ADMIN_KEY = "kr_keys_admin_key"


def _admin(store: SqlStore) -> TestClient:
    return TestClient(make_app(store, ADMIN_KEY), base_url=f"{WS}/default",
                      headers={"X-API-Key": ADMIN_KEY})


def test_the_secret_is_shown_once_and_its_prefix_stays(store: SqlStore) -> None:
    admin = _admin(store)
    created = admin.post("/api-keys", json={"name": "ci", "role": "operator"})
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["secret"].startswith("kr_") and key["secret"].startswith(key["prefix"])
    assert key["id"].startswith("key_") and key["last_used_at"] is None
    shown = admin.get(f"/api-keys/{key['id']}").json()
    assert "secret" not in shown and shown["prefix"] == key["prefix"]
    listed = admin.get("/api-keys").json()
    assert {k["name"] for k in listed["items"]} == {"bootstrap", "ci"}
    assert key["secret"] not in str(listed)
    # The new key works at once, as a bearer token too, and records its use.
    used = admin.get("/me", headers={"X-API-Key": "", "Authorization": f"Bearer {key['secret']}"})
    assert used.json()["type"] == "key" and used.json()["role"] == "operator"
    assert admin.get(f"/api-keys/{key['id']}").json()["last_used_at"] is not None


def test_revoking_takes_effect_on_the_next_request(store: SqlStore) -> None:
    admin = _admin(store)
    key = admin.post("/api-keys", json={"name": "temp", "role": "admin"}).json()
    holder = {"X-API-Key": key["secret"]}
    assert admin.get("/schedules", headers=holder).status_code == 200
    revoked = admin.delete(f"/api-keys/{key['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert admin.get("/schedules", headers=holder).status_code == 401
    # Revoking again changes nothing.
    assert admin.delete(f"/api-keys/{key['id']}").json()["revoked_at"] == revoked.json()["revoked_at"]


def test_keys_expire(store: SqlStore) -> None:
    admin = _admin(store)
    past = admin.post("/api-keys", json={"name": "old", "role": "viewer",
                                         "expires_at": isoformat_z(utcnow() - timedelta(hours=1))})
    assert past.status_code == 400 and past.json()["errors"][0]["loc"] == ["body", "expires_at"]
    naive = admin.post("/api-keys", json={"name": "n", "role": "viewer", "expires_at": "2030-01-01T00:00:00"})
    assert naive.status_code == 400
    soon = admin.post("/api-keys", json={"name": "soon", "role": "viewer",
                                         "expires_at": isoformat_z(utcnow() + timedelta(days=1))})
    assert soon.status_code == 201
    assert admin.get("/schedules", headers={"X-API-Key": soon.json()["secret"]}).status_code == 200


def test_another_workspace_keys_are_invisible(store: SqlStore) -> None:
    admin = _admin(store)
    key_id = admin.get("/api-keys").json()["items"][0]["id"]
    other = admin.post("/api-keys", json={"name": "x", "role": "admin"}).json()
    # An admin of workspace `other` (made through the store) cannot see or revoke `default`'s keys.
    from kairos.api.auth import create_key

    ws = store.ensure_workspace("other", "Other", utcnow())
    _, outsider = create_key(store, ws.id, name="outsider", role="admin", now=utcnow())
    headers = {"X-API-Key": outsider}
    assert admin.get(f"{WS}/other/api-keys/{key_id}", headers=headers).status_code == 404
    assert admin.delete(f"{WS}/other/api-keys/{other['id']}", headers=headers).status_code == 404
    assert admin.get("/schedules", headers={"X-API-Key": other["secret"]}).status_code == 200
    assert [k["name"] for k in admin.get(f"{WS}/other/api-keys", headers=headers).json()["items"]] == ["outsider"]
