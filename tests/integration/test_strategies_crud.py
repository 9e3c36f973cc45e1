"""Strategies over HTTP: create each type, read, list and page, update, delete, roles, and 400s naming fields."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi.testclient import TestClient

from kairos.domain.schedules import Kind
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.helpers import make_schedule, workspace_id

CARDS = {"name": "Product cards", "type": "css", "item": "div.product",
         "fields": {"title": "h2::text", "url": {"selector": "a", "attr": "href"},
                    "price": {"selector": ".price::text", "regex": r"([\d.]+)", "required": True}}}
WEATHER = {"name": "Weather", "request": {"url": "https://api.example.com/v1/{city}?days={days}",
                                          "headers": {"Accept": "application/json"}},
           "parameters": {"days": 3}, "item": "days", "fields": {"day": "date"}}


def fields_of(response: Any) -> list[str]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [".".join(str(p) for p in e["loc"]) for e in response.json()["errors"]]


def test_create_read_and_field_order(api: TestClient) -> None:
    created = api.post("/strategies", json=CARDS)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"].startswith("strat_") and body["type"] == "css"
    assert list(body["fields"]) == ["title", "url", "price"]
    assert body["fields"]["title"] == {"selector": "h2::text", "attr": None, "regex": None, "all": False,
                                       "default": None, "required": False}
    assert body["fields"]["price"]["required"] is True
    fetched = api.get(f"/strategies/{body['id']}").json()
    assert fetched == body


def test_api_type_is_inferred_from_a_request_and_lists_its_placeholders(api: TestClient) -> None:
    body = api.post("/strategies", json=WEATHER).json()
    assert body["type"] == "api" and body["placeholders"] == ["city", "days"]
    assert body["request"]["method"] == "GET" and body["parameters"] == {"days": 3}


def test_list_pages_with_offset_and_cursor_and_filters(api: TestClient) -> None:
    ids = [api.post("/strategies", json={**CARDS, "name": f"cards {i}"}).json()["id"] for i in range(5)]
    api.post("/strategies", json=WEATHER)
    first = api.get("/strategies", params={"limit": 2, "type": "css"}).json()
    assert first["total"] == 5 and first["has_more"] is True
    assert [s["id"] for s in first["items"]] == ids[::-1][:2]
    second = api.get("/strategies", params={"limit": 2, "type": "css", "cursor": first["next_cursor"]}).json()
    assert [s["id"] for s in second["items"]] == ids[::-1][2:4]
    by_offset = api.get("/strategies", params={"limit": 2, "type": "css", "offset": 4}).json()
    assert [s["id"] for s in by_offset["items"]] == [ids[0]] and by_offset["has_more"] is False
    assert [s["name"] for s in api.get("/strategies", params={"q": "weath"}).json()["items"]] == ["Weather"]


def test_patch_and_put_change_only_what_was_sent(api: TestClient) -> None:
    sid = api.post("/strategies", json=CARDS).json()["id"]
    patched = api.patch(f"/strategies/{sid}", json={"fields": {"title": "h2 a::text"}, "description": "v2"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["fields"] == {"title": {"selector": "h2 a::text", "attr": None, "regex": None,
                                                  "all": False, "default": None, "required": False}}
    assert patched.json()["item"] == "div.product" and patched.json()["description"] == "v2"
    put = api.put(f"/strategies/{sid}", json={"name": "renamed"}).json()
    assert put["name"] == "renamed" and put["description"] == "v2"
    assert put["updated_at"] >= put["created_at"]


def test_bad_bodies_are_400s_naming_the_field(api: TestClient) -> None:
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({**CARDS, "item": "div["}, ["body.item"]),
        ({**CARDS, "fields": {"title": "h2:::text"}}, ["body.fields.title.selector"]),
        ({**CARDS, "fields": {"p": {"selector": "p", "regex": "(["}}}, ["body.fields.p.regex"]),
        ({**CARDS, "type": "xpath", "fields": {"t": "//h2[", "u": "//a/@href"}}, ["body.fields.t.selector"]),
        ({"name": "j", "type": "json", "item": "data[?", "fields": {}}, ["body.item"]),
        ({"type": "css", "fields": {"t": "h2"}}, ["body.name"]),
        ({"name": "x", "fields": {"t": "h2"}}, ["body.type"]),
        ({"name": "x", "type": "api", "fields": {}}, ["body.request"]),
        ({**WEATHER, "request": {"url": "https://x.example", "method": "TRACE"}}, ["body.request.method"]),
        ({**WEATHER, "request": {"url": "https://x.example", "headers": {"X": 1}}}, ["body.request.headers.X"]),
        ({**CARDS, "colour": "red"}, ["body.colour"]),
        ({**CARDS, "fields": {"t": {"selector": "h2", "attr": "href", "bogus": 1}}}, ["body.fields.t.bogus"]),
        ({**CARDS, "parameters": {"a": 1}}, ["body.parameters"]),
    ]
    for body, expected in cases:
        response = api.post("/strategies", json=body)
        assert fields_of(response) == expected, (body, response.json())


def test_an_update_is_checked_like_a_create(api: TestClient) -> None:
    sid = api.post("/strategies", json=CARDS).json()["id"]
    assert fields_of(api.patch(f"/strategies/{sid}", json={"fields": {"t": "a::nope"}})) == [
        "body.fields.t.selector"]
    assert fields_of(api.patch(f"/strategies/{sid}", json={"type": "api"})) == [
        "body.request", "body.fields.url.attr"]
    assert api.get(f"/strategies/{sid}").json()["fields"]["title"]["selector"] == "h2::text"


def test_roles_and_other_workspaces(api: TestClient, key_for: Any) -> None:
    sid = api.post("/strategies", json=CARDS).json()["id"]
    viewer = {"X-API-Key": key_for("viewer")}
    operator = {"X-API-Key": key_for("operator")}
    assert api.get(f"/strategies/{sid}", headers=viewer).status_code == 200
    assert api.post("/strategies", json=CARDS, headers=viewer).status_code == 403
    assert api.post(f"/strategies/{sid}/test", json={"html": "<p/>"}, headers=viewer).status_code == 403
    assert api.patch(f"/strategies/{sid}", json={"name": "n"}, headers=operator).status_code == 200
    assert api.delete(f"/strategies/{sid}", headers=operator).status_code == 403
    stranger = {"X-API-Key": key_for("admin", "elsewhere")}
    assert api.get(f"/strategies/{sid}", headers=stranger).status_code == 404
    assert api.get(f"http://testserver/api/v1/workspaces/elsewhere/strategies/{sid}",
                   headers=stranger).status_code == 404
    assert api.get("http://testserver/api/v1/workspaces/elsewhere/strategies",
                   headers=stranger).json()["total"] == 0
    assert api.delete(f"http://testserver/api/v1/workspaces/elsewhere/strategies/{sid}",
                      headers=stranger).status_code == 404


def test_delete_refuses_while_schedules_use_it(api: TestClient, store: SqlStore) -> None:
    sid = api.post("/strategies", json=CARDS).json()["id"]
    other = api.post("/strategies", json=CARDS).json()["id"]
    ws = workspace_id(store)
    users = []
    for _ in range(2):
        base = make_schedule(ws, utcnow(), interval_seconds=3600)
        users.append(dataclasses.replace(base, kind=Kind.SCRAPE,
                                         payload={"strategy_id": sid, "url": "https://example.com/"}))
    store.add_schedules(users)
    refused = api.delete(f"/strategies/{sid}")
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert detail.startswith("2 schedules use strategy")
    assert all(s.id in detail for s in users)
    assert api.delete(f"/strategies/{other}").status_code == 200
    for schedule in users:
        store.delete_schedule(ws, schedule.id)
    assert api.delete(f"/strategies/{sid}").json() == {"message": "Strategy deleted successfully", "id": sid}
    assert api.get(f"/strategies/{sid}").status_code == 404
    assert api.delete(f"/strategies/{sid}").status_code == 404
