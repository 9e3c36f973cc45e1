"""Request bodies are read as strict JSON: one key once, finite numbers, UTF-8 only (issue 13, 2, 5, 8)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from kairos.api.json_body import StrictJSONRoute
from kairos.store.sqlalchemy.store import SqlStore

JSON = {"Content-Type": "application/json"}


def _errors(response) -> list[dict]:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()["errors"]  # type: ignore[no-any-return]


def test_a_duplicate_key_is_refused_by_name_and_mints_no_key(module_api: TestClient, module_store: SqlStore) -> None:
    before = module_store.count_api_keys()
    response = module_api.post("/api-keys", content='{"name": "ci", "role": "viewer", "role": "admin"}',
                        headers=JSON)
    assert response.status_code == 400
    assert _errors(response) == [{"loc": ["body", "role"], "msg": "duplicate key 'role': send each key once"}]
    assert module_store.count_api_keys() == before


def test_a_duplicate_key_deep_inside_is_refused_too(module_api: TestClient) -> None:
    body = '{"task": "kairos.echo", "kwargs": {"a": 1, "a": 2}}'
    response = module_api.post("/jobs", content=body, headers=JSON)
    assert response.status_code == 400
    assert _errors(response)[0]["loc"] == ["body", "a"]


def test_nan_and_infinity_are_refused_and_nothing_is_stored(module_api: TestClient) -> None:
    jobs = module_api.get("/jobs").json()["total"]
    for literal in ("NaN", "Infinity", "-Infinity", "1e400", "-1e999"):
        body = '{"task": "kairos.echo", "kwargs": {"a": ' + literal + '}}'
        response = module_api.post("/jobs", content=body, headers=JSON)
        assert response.status_code == 400, literal
        assert _errors(response)[0]["loc"] == ["body"]
    assert module_api.get("/jobs").json()["total"] == jobs
    # Every strategy delete in the workspace still works: nothing poisoned the job rows.
    created = module_api.post("/strategies", json={"name": "s", "type": "json", "item": "items",
                                            "fields": {"t": "title"}})
    assert created.status_code == 201
    assert module_api.delete(f"/strategies/{created.json()['id']}").status_code == 200


def test_a_charset_other_than_utf8_is_refused_naming_the_header(module_api: TestClient) -> None:
    body = json.dumps({"task": "kairos.echo"}).encode("utf-16")
    response = module_api.post("/jobs", content=body, headers={"Content-Type": "application/json; charset=utf-16"})
    assert response.status_code == 400
    assert _errors(response)[0]["loc"] == ["header", "Content-Type"]
    latin = module_api.post("/jobs", content='{"task": "kairos.echo"}',
                     headers={"Content-Type": "application/json; charset=ISO-8859-1"})
    assert latin.status_code == 400
    ok = module_api.post("/jobs", content='{"task": "kairos.echo"}',
                  headers={"Content-Type": "application/json; charset=UTF-8"})
    assert ok.status_code == 201


def test_bytes_that_are_not_utf8_are_refused(module_api: TestClient) -> None:
    response = module_api.post("/jobs", content=b'{"task": "kairos.\xe9cho"}', headers=JSON)
    assert response.status_code == 400
    assert "not UTF-8" in _errors(response)[0]["msg"]


def test_broken_json_says_where(module_api: TestClient) -> None:
    response = module_api.post("/jobs", content='{"task": ', headers=JSON)
    assert response.status_code == 400
    assert "line 1 column" in _errors(response)[0]["msg"]


def test_the_reddit_connection_refuses_a_duplicate_key_and_stores_nothing(module_api: TestClient) -> None:
    before = module_api.get("/connections/reddit").json()
    body = '{"client_id": "app-1", "client_secret": "s-1", "client_secret": "s-2"}'
    response = module_api.put("/connections/reddit", content=body, headers=JSON)
    assert response.status_code == 400, response.text
    assert _errors(response)[0]["loc"] == ["body", "client_secret"]
    assert module_api.get("/connections/reddit").json() == before


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute of the app, through included routers (kept as such by FastAPI) and mounts."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route
        else:
            yield from _api_routes(getattr(route, "routes", None) or [])


def test_every_route_reads_its_body_strictly(module_api: TestClient) -> None:
    """A route with a body is a StrictJSONRoute (or a dialect's, made from it)."""
    routes = list(_api_routes(module_api.app.routes))  # type: ignore[attr-defined]
    assert any(r.path.endswith("/connections/reddit") for r in routes)
    loose = [f"{sorted(r.methods)} {r.path}" for r in routes
             if r.body_field is not None and not isinstance(r, StrictJSONRoute)]
    assert loose == []
