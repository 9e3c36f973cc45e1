"""Workspaces and their members: creating, inviting, changing roles, and the last admin."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.access_helpers import ROOT, WS, make_app, signed_in

ADMIN_KEY = "kr_workspaces_admin_key"


def test_a_person_creates_a_workspace_and_becomes_its_admin(
    store: SqlStore, user_for: Callable[..., str],
) -> None:
    app = make_app(store, ADMIN_KEY)
    client, csrf = signed_in(app, user_for(None))
    headers = {"X-CSRF-Token": csrf}
    assert client.get(f"{ROOT}/api/v1/workspaces").json()["items"] == []
    created = client.post(f"{ROOT}/api/v1/workspaces", json={"slug": "data-team", "name": "Data"},
                          headers=headers)
    assert created.status_code == 201, created.text
    ws = created.json()
    assert ws["id"].startswith("ws_") and ws["role"] == "admin"
    assert client.get(f"{ROOT}/api/v1/workspaces").json()["items"] == [ws]
    # Addressed by slug or by id alike.
    assert client.get(f"{WS}/data-team/me").json()["workspace"]["id"] == ws["id"]
    assert client.get(f"{WS}/{ws['id']}/me").json()["role"] == "admin"
    taken = client.post(f"{ROOT}/api/v1/workspaces", json={"slug": "data-team", "name": "Again"},
                        headers=headers)
    assert taken.status_code == 409


def test_slugs_are_checked(store: SqlStore, user_for: Callable[..., str]) -> None:
    client, csrf = signed_in(make_app(store, ADMIN_KEY), user_for(None))
    for slug in ("A-team", "x", "-lead", "trail-", "ws_0193", "with space", "a" * 65, ""):
        response = client.post(f"{ROOT}/api/v1/workspaces", json={"slug": slug, "name": "n"},
                               headers={"X-CSRF-Token": csrf})
        assert response.status_code == 400, slug
        assert response.json()["errors"][0]["loc"] == ["body", "slug"]


def test_a_key_sees_only_its_workspace_and_cannot_create_one(store: SqlStore) -> None:
    client = TestClient(make_app(store, ADMIN_KEY), base_url=ROOT, headers={"X-API-Key": ADMIN_KEY})
    items = client.get("/api/v1/workspaces").json()["items"]
    assert [(w["slug"], w["role"]) for w in items] == [("default", "admin")]
    assert client.post("/api/v1/workspaces", json={"slug": "mine", "name": "n"}).status_code == 403


def test_admins_invite_change_roles_and_remove_members(
    store: SqlStore, user_for: Callable[..., str],
) -> None:
    app = make_app(store, ADMIN_KEY)
    admin = TestClient(app, base_url=f"{WS}/default", headers={"X-API-Key": ADMIN_KEY})
    email = user_for(None)
    invited = admin.post("/members", json={"email": email.upper(), "role": "viewer"})
    assert invited.status_code == 201, invited.text
    member = invited.json()
    assert (member["email"], member["role"]) == (email, "viewer")
    assert admin.post("/members", json={"email": email, "role": "admin"}).status_code == 409
    unknown = admin.post("/members", json={"email": "nobody@example.com", "role": "viewer"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["loc"] == ["body", "email"]
    bad_role = admin.post("/members", json={"email": email, "role": "owner"})
    assert bad_role.status_code == 400 and bad_role.json()["errors"][0]["loc"] == ["body", "role"]

    person, csrf = signed_in(app, email)
    assert person.get(f"{WS}/default/schedules").status_code == 200
    assert person.post(f"{WS}/default/schedules", json={"task": "t", "cron_expression": "0 * * * *"},
                       headers={"X-CSRF-Token": csrf}).status_code == 403
    promoted = admin.patch(f"/members/{member['user_id']}", json={"role": "operator"})
    assert promoted.json()["role"] == "operator"
    # The new role holds from the next request of the same session.
    assert person.post(f"{WS}/default/schedules", json={"task": "t", "cron_expression": "0 * * * *"},
                       headers={"X-CSRF-Token": csrf}).status_code == 201
    listed = admin.get("/members").json()
    assert [(m["email"], m["role"]) for m in listed["items"]] == [(email, "operator")]
    assert admin.delete(f"/members/{member['user_id']}").status_code == 204
    assert person.get(f"{WS}/default/schedules").status_code == 404  # no longer theirs to see
    assert admin.delete(f"/members/{member['user_id']}").status_code == 404


def test_the_last_admin_can_be_neither_removed_nor_demoted(
    store: SqlStore, user_for: Callable[..., str],
) -> None:
    app = make_app(store, ADMIN_KEY)
    client, csrf = signed_in(app, user_for(None))
    headers = {"X-CSRF-Token": csrf}
    client.post(f"{ROOT}/api/v1/workspaces", json={"slug": "solo", "name": "Solo"}, headers=headers)
    me = client.get(f"{WS}/solo/me").json()
    assert client.patch(f"{WS}/solo/members/{me['id']}", json={"role": "viewer"},
                        headers=headers).status_code == 409
    assert client.delete(f"{WS}/solo/members/{me['id']}", headers=headers).status_code == 409
    second = user_for(None)
    assert client.post(f"{WS}/solo/members", json={"email": second, "role": "admin"},
                       headers=headers).status_code == 201
    # With another admin in place, stepping down is allowed.
    assert client.patch(f"{WS}/solo/members/{me['id']}", json={"role": "viewer"},
                        headers=headers).json()["role"] == "viewer"
    assert client.get(f"{WS}/solo/members").status_code == 403


def test_members_of_another_workspace_are_hidden(store: SqlStore, user_for: Callable[..., str]) -> None:
    app = make_app(store, ADMIN_KEY)
    outsider, csrf = signed_in(app, user_for("admin", "other"))
    insider = user_for("viewer")
    found = store.find_user(insider)
    assert found is not None
    for method in ("GET", "PATCH", "DELETE"):
        response = outsider.request(method, f"{WS}/default/members" if method == "GET"
                                    else f"{WS}/default/members/{found[0].id}",
                                    json={"role": "admin"} if method == "PATCH" else None,
                                    headers={"X-CSRF-Token": csrf})
        assert response.status_code == 404
        assert insider not in response.text
    # Their own workspace's member id space does not include it either.
    assert outsider.delete(f"{WS}/other/members/{found[0].id}",
                           headers={"X-CSRF-Token": csrf}).status_code == 404
