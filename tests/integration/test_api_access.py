"""Keys and workspaces: who may do what, and another workspace's data stays invisible."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_missing_and_bad_keys_are_401(api: TestClient) -> None:
    assert api.get("/schedules", headers={"X-API-Key": ""}).status_code == 401
    response = api.get("/schedules", headers={"X-API-Key": "kr_wrong"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    bearer = api.get("/schedules", headers={"X-API-Key": "", "Authorization": "Bearer kr_wrong"})
    assert bearer.status_code == 401


def test_bearer_header_works(api: TestClient, key_for: Callable[..., str]) -> None:
    secret = key_for("viewer")
    response = api.get("/schedules", headers={"X-API-Key": "", "Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_roles(api: TestClient, key_for: Callable[..., str]) -> None:
    viewer, operator = key_for("viewer"), key_for("operator")
    body = {"task": "t", "cron_expression": "0 * * * *"}
    assert api.post("/schedules", json=body, headers={"X-API-Key": viewer}).status_code == 403
    created = api.post("/schedules", json=body, headers={"X-API-Key": operator})
    assert created.status_code == 201
    sid = created.json()["id"]
    assert api.get(f"/schedules/{sid}", headers={"X-API-Key": viewer}).status_code == 200
    assert api.delete(f"/schedules/{sid}", headers={"X-API-Key": operator}).status_code == 403
    assert api.delete(f"/schedules/{sid}").status_code == 200


def test_another_workspace_looks_missing(api: TestClient, key_for: Callable[..., str]) -> None:
    sid = api.post("/schedules", json={"task": "t", "cron_expression": "0 * * * *"}).json()["id"]
    outsider = key_for("admin", "other")
    headers = {"X-API-Key": outsider}
    assert api.get("/schedules", headers=headers).status_code == 404
    base = "http://testserver/api/v1/workspaces/other"
    assert api.get(f"{base}/schedules/{sid}", headers=headers).status_code == 404
    assert api.get(f"{base}/schedules", headers=headers).json()["total"] == 0
    assert api.post(f"{base}/schedules/{sid}/trigger", headers=headers).status_code == 404
