"""What every dialect shares with the canonical API: the audit log, idempotency, bodies, sessions."""

from __future__ import annotations

from typing import Any

import pytest

from kairos.api.passwords import hash_password
from kairos.ids import new_id
from kairos.store.access import User
from kairos.store.base import Page
from kairos.timeutil import utcnow
from tests.conformance.conftest import World, problem
from tests.conformance.seed_examples import requests

PASSWORD = "correct horse battery staple"


def audit(world: World) -> list[tuple[str, str | None, int]]:
    entries = world.store.list_audit_entries(world.workspace_id, Page(limit=200)).items
    return [(e.action, e.resource_id, e.status) for e in reversed(entries)]


def test_dialect_changes_are_in_the_audit_log_under_the_canonical_action(world: World) -> None:
    agents = f"/api/agents/{world.slug}/schedules"
    sid = world.send("POST", agents, requests("002", "POST")[0]).json()["id"]
    world.send("PUT", f"{agents}/{sid}", {"status": "paused"})
    world.send("GET", f"{agents}/{sid}")  # a read: not logged
    world.send("PUT", f"{agents}/{sid}", {"cron_expression": "61 * * * *"})  # refused: not logged
    projects = f"/compat/projects/api/v1/projects/{world.slug}/schedules"
    task = world.send("POST", projects, {"name": "t", "task": "kairos.echo", "cron_expression": "0 * * * *"}).json()
    world.send("POST", f"{projects}/{task['id']}/trigger")
    world.send("DELETE", f"{agents}/{sid}")
    assert audit(world) == [
        ("schedule.create", sid, 201), ("schedule.update", sid, 200),
        ("schedule.create", task["id"], 201), ("schedule.trigger", task["id"], 201),
        ("schedule.delete", sid, 200),
    ]


def test_seed_004s_answers_name_their_schedule_in_the_log(world: World) -> None:
    from kairos.domain.strategies import build_strategy

    strategy = build_strategy({"name": "p", "type": "css", "item": "li", "fields": {"name": "span"}},
                              strategy_id=new_id("strat"), workspace_id=world.workspace_id, now=utcnow())
    world.store.add_strategy(strategy)
    body = {**requests("004", "POST")[0], "strategy_id": strategy.id}
    sid = world.send("POST", "/api/schedules", body).json()["schedule_id"]
    world.send("POST", f"/api/schedules/{sid}/webhook-secret/regenerate")
    assert audit(world) == [("schedule.create", sid, 201), ("schedule.webhook-secret.regenerate", sid, 200)]
    stored = repr(world.store.list_audit_entries(world.workspace_id, Page()).items)
    assert "whsec_" not in stored


def test_an_idempotency_key_replays_the_dialects_answer(world: World) -> None:
    agents = f"/api/agents/{world.slug}/schedules"
    body = requests("002", "POST")[0]
    first = world.send("POST", agents, body, **{"Idempotency-Key": "k-1"})
    again = world.send("POST", agents, body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "next_run" in again.json()  # the dialect's shape, replayed as such
    problem(world.send("POST", agents, {**body, "name": "other"}, **{"Idempotency-Key": "k-1"}), 409)
    assert len(world.send("GET", agents).json()["schedules"]) == 1
    assert [a for a, _, _ in audit(world)] == ["schedule.create"]


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain",
                                          "application/json", "application/json; charset=utf-8"])
def test_a_json_body_is_read_whatever_its_content_type(world: World, content_type: str | None) -> None:
    answer = world.send("POST", f"/api/agents/{world.slug}/schedules", requests("002", "POST")[0],
                        content_type=content_type)
    assert answer.status_code == 201, answer.text


def test_a_body_that_is_not_json_is_a_400_problem(world: World) -> None:
    for content in (b"target=technology&mode=full", b'{"name": ', b"\xff\xfe"):
        answer = world.client.post(f"/api/agents/{world.slug}/schedules", content=content,
                                   headers={"X-API-Key": world.key,
                                            "Content-Type": "application/x-www-form-urlencoded"})
        problem(answer, 400, "body")


def _session(world: World, workspaces: list[str]) -> tuple[Any, str]:
    user = User(id=new_id("usr"), email=f"{new_id('u')[-10:]}@example.com", created_at=utcnow())
    world.store.add_user(user, hash_password(PASSWORD))
    for workspace_id in workspaces:
        world.store.add_member(workspace_id, user.id, "operator", utcnow())
    login = world.client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return world.client, str(login.json()["csrf_token"])


def test_seed_004s_workspace_is_the_keys_or_the_signed_in_persons(world: World) -> None:
    other = world.store.ensure_workspace(f"{world.slug}-b", "b", utcnow())
    client, csrf = _session(world, [world.workspace_id])
    assert client.get("/api/schedules").status_code == 200
    problem(client.post("/api/schedules", json={}), 403)  # no CSRF token
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    client, csrf = _session(world, [world.workspace_id, other.id])
    problem(client.get("/api/schedules"), 400, "X-Kairos-Workspace")
    assert client.get("/api/schedules", headers={"X-Kairos-Workspace": other.slug}).status_code == 200
    problem(client.get("/api/schedules", headers={"X-Kairos-Workspace": "default-nope"}), 404)
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    problem(world.client.get("/api/schedules"), 401)


def test_dialect_bodies_are_read_as_strictly_as_canonical_ones(world: World) -> None:
    agents = f"/api/agents/{world.slug}/schedules"
    duplicate = b'{"name": "a", "name": "b", "cron_expression": "0 * * * *", "callback_id": "w"}'
    answer = world.client.post(agents, content=duplicate, headers={"X-API-Key": world.key})
    assert problem(answer, 400, "duplicate key")["errors"][0]["loc"] == ["body", "name"]
    latin = world.client.post(agents, content=b'{"name": "caf\xe9"}', headers={
        "X-API-Key": world.key, "Content-Type": "application/x-www-form-urlencoded; charset=latin-1"})
    problem(latin, 400, "charset")
    problem(world.client.post(agents, content=b'{"delay_seconds": NaN}', headers={"X-API-Key": world.key}), 400)


def test_bare_array_lists_hold_every_schedule(world: World) -> None:
    """Seeds 000 and 004 list "all schedules" as a bare array: there is no page to follow."""
    from kairos.domain.strategies import build_strategy

    strategy = build_strategy({"name": "products", "type": "css", "item": "li", "fields": {"name": "span"}},
                              strategy_id=new_id("strat"), workspace_id=world.workspace_id, now=utcnow())
    world.store.add_strategy(strategy)
    count = 205
    reddit = [{"target": f"sub{i}", "cron_expression": "0 */6 * * *"} for i in range(count)]
    scrape = [{"strategy_id": strategy.id, "url": f"https://example.com/{i}", "interval_seconds": 3600}
              for i in range(count)]
    batch = f"/api/v1/workspaces/{world.slug}/schedules:batch"
    for items in (reddit, scrape):
        made = world.send("POST", batch, {"items": items}, content_type="application/json")
        assert made.status_code == 201, made.text
    for path, key, expected in (
            (f"/compat/reddit/api/v1/workspaces/{world.slug}/schedules", "target", {f"sub{i}" for i in range(count)}),
            ("/api/schedules", "url", {f"https://example.com/{i}" for i in range(count)})):
        listed = world.send("GET", path)
        assert listed.status_code == 200, listed.text
        assert {s[key] for s in listed.json()} == expected, path
        assert len(listed.json()) == count
        # A page asked for is one page.
        assert len(world.send("GET", path + "?limit=10").json()) == 10
