"""Keys, passwords and session tokens are never stored or logged in clear."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.access_helpers import PASSWORD, ROOT, WS, every_stored_value, make_app, signed_in

ADMIN_KEY = "kr_secrets_admin_key_0123456789"


def test_no_secret_reaches_a_table_or_a_log(
    store: SqlStore, user_for: Callable[..., str], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    app = make_app(store, ADMIN_KEY)
    admin = TestClient(app, base_url=f"{WS}/default", headers={"X-API-Key": ADMIN_KEY})
    email = user_for("admin")
    client, csrf = signed_in(app, email)
    session_token = str(client.cookies.get("kairos_session"))
    created = client.post(f"{WS}/default/api-keys", json={"name": "ci", "role": "operator"},
                          headers={"X-CSRF-Token": csrf}).json()
    wrong_guess = "an almost right password"
    client.post(f"{ROOT}/api/v1/auth/login", json={"email": email, "password": wrong_guess})
    admin.get("/schedules", headers={"X-API-Key": created["secret"]})
    admin.get("/schedules", headers={"X-API-Key": "kr_a_wrong_key_guess"})
    admin.post("/members", json={"email": email, "role": "viewer"})  # 409, logged or not

    secrets = {"bootstrap key": ADMIN_KEY, "new key": created["secret"], "password": PASSWORD,
               "wrong password": wrong_guess, "bad key": "kr_a_wrong_key_guess",
               "session token": session_token, "csrf token": csrf}
    stored = every_stored_value(store)
    logged = caplog.text
    for name, secret in secrets.items():
        assert secret not in stored, f"the {name} is stored in clear"
        assert secret not in logged, f"the {name} is logged"
    # What is stored instead: hashes, and the key's visible prefix.
    assert created["prefix"] in stored and "$argon2id$" in stored
