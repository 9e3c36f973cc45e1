"""Browser sign-in: the cookie, the CSRF token every unsafe request needs, sign-out, throttling."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.access_helpers import PASSWORD, ROOT, WS, make_app, signed_in

ADMIN_KEY = "kr_sessions_admin_key"
SCHEDULE = {"task": "kairos.echo", "cron_expression": "0 * * * *"}


def test_sign_in_sets_a_strict_cookie_and_returns_the_session(
    store: SqlStore, user_for: Callable[..., str],
) -> None:
    email = user_for("operator")
    client = TestClient(make_app(store, ADMIN_KEY), base_url=ROOT)
    response = client.post("/api/v1/auth/login", json={"email": email.upper(), "password": PASSWORD})
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("kairos_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    body = response.json()
    assert body["user"]["email"] == email
    assert body["workspaces"] == [{"id": store.get_workspace("default").id, "slug": "default",
                                   "name": "default", "role": "operator"}]
    assert client.get("/api/v1/auth/session").json() == body
    me = client.get(f"{WS}/default/me").json()
    assert (me["type"], me["label"], me["role"]) == ("user", email, "operator")


def test_wrong_password_and_unknown_email_are_the_same_401(
    store: SqlStore, user_for: Callable[..., str],
) -> None:
    email = user_for("viewer")
    client = TestClient(make_app(store, ADMIN_KEY), base_url=ROOT)
    wrong = client.post("/api/v1/auth/login", json={"email": email, "password": "not it at all"})
    unknown = client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert "set-cookie" not in wrong.headers
    assert client.get("/api/v1/auth/session").status_code == 401


def test_unsafe_requests_from_a_cookie_need_the_csrf_token(
    store: SqlStore, user_for: Callable[..., str],
) -> None:
    app = make_app(store, ADMIN_KEY)
    client, csrf = signed_in(app, user_for("operator"))
    refused = client.post(f"{WS}/default/schedules", json=SCHEDULE)
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["detail"]
    _, other_csrf = signed_in(app, user_for("operator"))
    # A token of another session does not fit this one.
    assert client.post(f"{WS}/default/schedules", json=SCHEDULE,
                       headers={"X-CSRF-Token": other_csrf}).status_code == 403
    accepted = client.post(f"{WS}/default/schedules", json=SCHEDULE, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201, accepted.text
    # Reads need no token, and API keys never do.
    assert client.get(f"{WS}/default/schedules").status_code == 200
    keyed = TestClient(app, base_url=ROOT, headers={"X-API-Key": ADMIN_KEY})
    assert keyed.post(f"{WS}/default/schedules", json=SCHEDULE).status_code == 201


def test_sign_out_ends_the_session_on_the_server(store: SqlStore, user_for: Callable[..., str]) -> None:
    app = make_app(store, ADMIN_KEY)
    client, csrf = signed_in(app, user_for("viewer"))
    cookie = client.cookies.get("kairos_session")
    assert client.post("/api/v1/auth/logout").status_code == 403  # needs the CSRF token too
    response = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert 'kairos_session=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]
    # The old cookie, replayed, opens nothing: the row is gone.
    replay = TestClient(app, base_url=ROOT, cookies={"kairos_session": str(cookie)})
    assert replay.get(f"{WS}/default/schedules").status_code == 401
    assert replay.get("/api/v1/auth/session").status_code == 401


def test_failed_sign_ins_are_throttled_per_account_with_retry_after(
    store: SqlStore, user_for: Callable[..., str],
) -> None:
    email = user_for("admin")
    app = make_app(store, ADMIN_KEY, auth_account_failure_limit=3, auth_account_window_seconds=600)
    client = TestClient(app, base_url=ROOT)
    for _ in range(3):
        assert client.post("/api/v1/auth/login", json={"email": email, "password": "guess"}).status_code == 401
    locked = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert locked.status_code == 429  # even with the right password while locked
    assert 590 <= int(locked.headers["Retry-After"]) <= 600
    assert locked.headers["content-type"].startswith("application/problem+json")
    # Another account from the same address is not locked by this one's failures.
    assert signed_in(app, user_for("viewer"))[1]


def test_bad_keys_are_throttled_per_address(store: SqlStore, key_for: Callable[..., str]) -> None:
    app = make_app(store, ADMIN_KEY, auth_ip_failure_limit=4, auth_ip_window_seconds=300)
    client = TestClient(app, base_url=f"{WS}/default")
    for n in range(4):
        assert client.get("/schedules", headers={"X-API-Key": f"kr_guess_{n}"}).status_code == 401
    locked = client.get("/schedules", headers={"X-API-Key": "kr_guess_4"})
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 300
    # A valid key is not held up by its address's lock: there is nothing to guess in it.
    assert client.get("/schedules", headers={"X-API-Key": ADMIN_KEY}).status_code == 200
    login = client.post(f"{ROOT}/api/v1/auth/login", json={"email": "a@example.com", "password": "x"})
    assert login.status_code == 429  # sign-ins from that address wait
    # Shared by every API process: a second app on the same database sees the same lock.
    second = TestClient(make_app(store, ADMIN_KEY, auth_ip_failure_limit=4), base_url=f"{WS}/default")
    assert second.get("/schedules", headers={"X-API-Key": "kr_guess_5"}).status_code == 429


def test_a_successful_sign_in_clears_the_account_failures(
    store: SqlStore, user_for: Callable[..., str],
) -> None:
    email = user_for("viewer")
    app = make_app(store, ADMIN_KEY, auth_account_failure_limit=3)
    client = TestClient(app, base_url=ROOT)
    for _ in range(2):
        client.post("/api/v1/auth/login", json={"email": email, "password": "guess"})
    signed_in(app, email)
    for _ in range(2):
        assert client.post("/api/v1/auth/login", json={"email": email, "password": "guess"}).status_code == 401
    assert signed_in(app, email)[1]
