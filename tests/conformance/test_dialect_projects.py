"""Seed 003 against `/api/v1/projects/{slug}/schedules…`: shapes, actions, fires, roles and CSRF."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kairos.api.auth import create_key
from kairos.api.passwords import hash_password
from kairos.domain.jobs import JobStatus
from kairos.ids import new_id
from kairos.store.access import User
from kairos.timeutil import utcnow
from tests.conformance.conftest import World, check_shape, problem
from tests.conformance.seed_examples import nullable_fields, requests, response

# `next_cursor` is null on the last page (the seed shows a middle one).
NULLABLE = nullable_fields("003") | {"next_cursor"}
PASSWORD = "correct horse battery staple"


def base(world: World, root: str = "") -> str:
    return f"{root}/api/v1/projects/{world.slug}/schedules"


def kairos_scheduled(body: dict[str, Any]) -> dict[str, Any]:
    """The seed's body for a workspace without a Celery beat link: scheduled by Kairos itself."""
    return {k: v for k, v in body.items() if k != "scheduler"}


def created(world: World, root: str = "") -> dict[str, Any]:
    (body,) = requests("003", "POST")
    answer = world.send("POST", base(world, root), kairos_scheduled(body))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_the_seeds_body_is_created_and_listed_in_the_documented_shape(world: World) -> None:
    (body,) = requests("003", "POST")
    # Celery beat as the scheduler needs a link to it; without one the answer says so.
    problem(world.send("POST", base(world), body), 400, "scheduler")
    documented = response("003", "GET", "/schedules").body
    for root in ("", "/compat/projects"):
        made = created(world, root)
        check_shape(made, documented["items"][0], NULLABLE)
        assert made["project_id"] == world.workspace_id
        assert made["trigger"] == {"minute": "0", "hour": "9", "day_of_week": "*", "day_of_month": "*",
                                   "month_of_year": "*"}
        assert (made["task"], made["args"], made["kwargs"], made["enabled"]) == (
            "email.send_daily_digest", [], {"locale": "en-US"}, True)
    listed = world.send("GET", base(world))
    assert listed.status_code == 200
    check_shape(listed.json(), documented, NULLABLE)
    assert len(listed.json()["items"]) == 2 and "next_cursor" in listed.json()
    one = world.send("GET", f"{base(world)}/{made['id']}")
    assert one.status_code == 200 and one.json() == made
    canonical = world.send("POST", f"/api/v1/workspaces/{world.slug}/schedules", kairos_scheduled(body),
                           content_type="application/json")
    assert canonical.status_code == 201 and canonical.json()["trigger"] == made["trigger"]


def test_list_filters_and_cursor_paging(world: World) -> None:
    first, second = created(world), created(world)
    world.send("POST", f"{base(world)}/{second['id']}/disable")

    def ids(**params: Any) -> list[str]:
        answer = world.client.get(base(world), params=params, headers={"X-API-Key": world.key})
        assert answer.status_code == 200, answer.text
        return [s["id"] for s in answer.json()["items"]]

    assert ids(enabled="true") == [first["id"]] and ids(enabled="false") == [second["id"]]
    assert set(ids(scheduler="kairos")) == {first["id"], second["id"]} and ids(scheduler="celery-beat") == []
    page = world.client.get(base(world), params={"limit": 1}, headers={"X-API-Key": world.key}).json()
    rest = world.client.get(base(world), params={"limit": 1, "cursor": page["next_cursor"]},
                            headers={"X-API-Key": world.key}).json()
    assert {page["items"][0]["id"], rest["items"][0]["id"]} == {first["id"], second["id"]}
    assert rest["next_cursor"] is None


def test_enable_disable_and_the_status_they_show_everywhere(world: World) -> None:
    sid = created(world)["id"]
    off = world.send("POST", f"{base(world)}/{sid}/disable")
    assert off.status_code == 200
    assert (off.json()["enabled"], off.json()["status"], off.json()["next_run_at"]) == (False, "disabled", None)
    # SPEC 3: `disabled` whenever enabled is false, so ?status=active lists only what fires.
    canonical = f"/api/v1/workspaces/{world.slug}/schedules"
    active = world.client.get(canonical, params={"status": "active"}, headers={"X-API-Key": world.key}).json()
    disabled = world.client.get(canonical, params={"status": "disabled"}, headers={"X-API-Key": world.key}).json()
    assert sid not in [s["id"] for s in active["items"]] and sid in [s["id"] for s in disabled["items"]]
    world.send("POST", f"/api/v1/workspaces/{world.slug}/schedules/{sid}/pause")
    assert world.send("GET", f"{canonical}/{sid}").json()["status"] == "disabled"  # paused, and off
    on = world.send("POST", f"{base(world)}/{sid}/enable").json()
    assert on["enabled"] is True and on["status"] == "paused"
    world.send("POST", f"/api/v1/workspaces/{world.slug}/schedules/{sid}/resume")
    assert world.send("GET", f"{base(world)}/{sid}").json()["next_run_at"] is not None


def test_trigger_answers_the_task_id_and_fires_say_what_it_produced(world: World) -> None:
    sid = created(world)["id"]
    world.send("POST", f"{base(world)}/{sid}/disable")
    answer = world.send("POST", f"{base(world)}/{sid}/trigger")
    assert answer.status_code == 201, answer.text
    task_id = answer.json()["task_id"]
    # A local task is known by its job's id (a Celery one by Celery's task id).
    assert task_id == answer.json()["job_id"] and task_id.startswith("job_")
    world.finish(task_id, JobStatus.COMPLETED, utcnow() + timedelta(seconds=1))
    fires = world.send("GET", f"{base(world)}/{sid}/fires")
    assert fires.status_code == 200
    (fire,) = fires.json()["items"]
    assert (fire["task_id"], fire["job_id"], fire["status"], fire["trigger"]) == (
        task_id, task_id, "succeeded", "manual")
    assert "next_cursor" in fires.json()


def test_patch_takes_any_subset_of_the_create_fields(world: World) -> None:
    sid = created(world)["id"]
    changed = world.send("PATCH", f"{base(world)}/{sid}", {"trigger": {"minute": "30", "hour": "10"},
                                                          "kwargs": {"locale": "de-DE"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["cron_expression"] == "30 10 * * *"
    assert changed.json()["kwargs"] == {"locale": "de-DE"} and changed.json()["task"] == "email.send_daily_digest"
    problem(world.send("PATCH", f"{base(world)}/{sid}", {"kwargs": {"blob": "x" * 70_000}}), 400, "kwargs")
    problem(world.send("PATCH", f"{base(world)}/{sid}", {"trigger": {"hour": "25"}}), 400, "trigger")


def test_roles_and_csrf_are_those_the_seed_lists(world: World) -> None:
    sid = created(world)["id"]
    viewer, operator = world.key_of("viewer"), world.key_of("operator")
    assert world.send("GET", base(world), key=viewer).status_code == 200
    assert world.send("GET", f"{base(world)}/{sid}/fires", key=viewer).status_code == 200
    problem(world.send("POST", f"{base(world)}/{sid}/trigger", key=viewer), 403)
    problem(world.send("POST", f"{base(world)}/{sid}/disable", key=viewer), 403)
    assert world.send("POST", f"{base(world)}/{sid}/disable", key=operator).status_code == 200
    problem(world.send("DELETE", f"{base(world)}/{sid}", key=operator), 403)
    problem(world.client.get(base(world)), 401)
    problem(world.client.get(base(world), headers={"X-API-Key": "kr_not_a_key"}), 401)
    # A browser session: unsafe requests need the CSRF token.
    user = User(id=new_id("usr"), email=f"{new_id('u')[-10:]}@example.com", created_at=utcnow())
    world.store.add_user(user, hash_password(PASSWORD))
    world.store.add_member(world.workspace_id, user.id, "operator", utcnow())
    login = world.client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]
    problem(world.client.post(f"{base(world)}/{sid}/enable"), 403)
    assert world.client.post(f"{base(world)}/{sid}/enable", headers={"X-CSRF-Token": csrf}).status_code == 200
    world.client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    deleted = world.send("DELETE", f"{base(world)}/{sid}")
    assert deleted.status_code == 200 and deleted.json()["message"] == "Schedule deleted successfully"
    # Another workspace's admin sees neither this project nor its schedules through their own.
    other = world.store.ensure_workspace(f"{world.slug}-other", "other", utcnow())
    _, stranger = create_key(world.store, other.id, name="admin", role="admin", now=utcnow())
    live = created(world)["id"]
    problem(world.send("GET", base(world), key=stranger), 404, "workspace")
    problem(world.send("GET", f"/api/v1/projects/{other.slug}/schedules/{live}", key=stranger), 404, "schedule")


BEAT: dict[str, Any] = {
    "email.daily-digest": {"task": "email.send_daily_digest",
                           "schedule": {"type": "crontab", "minute": "0", "hour": "9", "day_of_week": "*"},
                           "kwargs": {"locale": "en-US"}},
    "cache.warm": {"task": "cache.warm", "schedule": 30.0, "args": [1, 2]},
}


def linked(world: World, beat: dict[str, Any] | None = None) -> str:
    """A JSON beat_schedule link, as a team uploads one (tests/integration/links)."""
    answer = world.send("POST", f"/api/v1/workspaces/{world.slug}/scheduler-links",
                        {"name": f"beat-{new_id('l')[-6:]}", "type": "celery-beat",
                         "source": {"kind": "json", "beat_schedule": beat or BEAT}},
                        content_type="application/json")
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_import_diff_and_resync_are_the_canonical_sync_with_the_project_id(world: World) -> None:
    link_id = linked(world)
    for root in ("", "/compat/projects"):
        diffed = world.send("POST", f"{base(world, root)}:diff", {})
        assert diffed.status_code == 200, diffed.text
        assert diffed.json()["project_id"] == world.workspace_id and diffed.json()["link_id"] == link_id
        assert sorted(e["name"] for e in diffed.json()["added"]) == ["cache.warm", "email.daily-digest"]
    # :diff wrote nothing.
    assert world.send("GET", base(world)).json()["items"] == []
    imported = world.send("POST", f"{base(world)}:import", {"link_id": link_id})
    assert imported.status_code == 200, imported.text
    assert (imported.json()["project_id"], imported.json()["applied"]) == (world.workspace_id, True)
    listed = {s["name"]: s for s in world.send("GET", base(world), key=world.key_of("viewer")).json()["items"]}
    assert set(listed) == {"cache.warm", "email.daily-digest"}
    assert listed["email.daily-digest"]["scheduler"] == "celery-beat"
    assert listed["email.daily-digest"]["trigger"]["hour"] == "9"
    assert listed["email.daily-digest"]["project_id"] == world.workspace_id
    # The same answer the canonical route gives, but for the project id.
    canonical = world.send("POST", f"/api/v1/workspaces/{world.slug}/schedules:diff", {},
                           content_type="application/json").json()
    again = world.send("POST", f"{base(world)}:diff", {}).json()
    assert {k: v for k, v in again.items() if k != "project_id"} == canonical
    assert again["added"] == [] and again["unchanged"] == 2
    # A JSON link is read-only: Kairos cannot write it, so to_scheduler is a 409; from_scheduler applies.
    problem(world.send("POST", f"{base(world)}:resync", {"direction": "to_scheduler"}), 409)
    problem(world.send("POST", f"{base(world)}:resync", {"direction": "sideways"}), 400, "direction")
    resynced = world.send("POST", f"/compat/projects/api/v1/projects/{world.slug}/schedules:resync",
                          {"direction": "from_scheduler"})
    assert resynced.status_code == 200, resynced.text
    assert resynced.json()["direction"] == "from_scheduler" and resynced.json()["project_id"] == world.workspace_id


def test_import_and_diff_without_a_body_use_the_only_link(world: World) -> None:
    """The seed's `:import` and `:diff` take an optional body: none at all means `{}`."""
    link_id = linked(world)
    canonical = f"/api/v1/workspaces/{world.slug}/schedules"
    for path in (base(world), base(world, "/compat/projects"), canonical):
        diffed = world.send("POST", f"{path}:diff")
        assert diffed.status_code == 200, (path, diffed.text)
        assert diffed.json()["link_id"] == link_id
    imported = world.send("POST", f"{base(world)}:import")
    assert imported.status_code == 200, imported.text
    assert sorted(e["name"] for e in imported.json()["added"]) == ["cache.warm", "email.daily-digest"]
    assert world.send("POST", f"{canonical}:import").status_code == 200
    # :resync still needs its direction.
    for path in (base(world), canonical):
        problem(world.send("POST", f"{path}:resync"), 400)


def test_import_and_resync_replay_an_idempotency_key_on_both_apis(world: World) -> None:
    linked(world)
    canonical = f"/api/v1/workspaces/{world.slug}/schedules"
    for index, (path, body) in enumerate([(f"{canonical}:import", {}),
                                          (f"{canonical}:resync", {"direction": "from_scheduler"}),
                                          (f"{base(world)}:import", {}),
                                          (f"{base(world)}:resync", {"direction": "from_scheduler"})]):
        key = {"Idempotency-Key": f"sync-{index}"}
        first = world.send("POST", path, body, content_type="application/json", **key)
        assert first.status_code == 200, (path, first.text)
        again = world.send("POST", path, body, content_type="application/json", **key)
        assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true", path
        assert again.json() == first.json()
        other = world.send("POST", path, {"link_id": "link_other"} if "import" in path else
                           {"direction": "to_scheduler"}, content_type="application/json", **key)
        assert other.status_code == 409, (path, other.text)  # the key was used with another body


def test_the_sync_takes_the_operator_role_csrf_and_stays_in_its_workspace(world: World) -> None:
    linked(world)
    viewer, operator = world.key_of("viewer"), world.key_of("operator")
    for action, body in ((":diff", {}), (":import", {}), (":resync", {"direction": "from_scheduler"})):
        problem(world.send("POST", f"{base(world)}{action}", body, key=viewer), 403)
        assert world.send("POST", f"{base(world)}{action}", body, key=operator).status_code == 200
    problem(world.send("POST", f"{base(world)}:import", {"link_id": "link_nope"}), 400, "link_id")
    user = User(id=new_id("usr"), email=f"{new_id('u')[-10:]}@example.com", created_at=utcnow())
    world.store.add_user(user, hash_password(PASSWORD))
    world.store.add_member(world.workspace_id, user.id, "operator", utcnow())
    login = world.client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    csrf = login.json()["csrf_token"]
    problem(world.client.post(f"{base(world)}:import", json={}), 403)
    assert world.client.post(f"{base(world)}:import", json={}, headers={"X-CSRF-Token": csrf}).status_code == 200
    world.client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    # Another workspace's admin cannot sync this project.
    other = world.store.ensure_workspace(f"{world.slug}-other", "other", utcnow())
    _, stranger = create_key(world.store, other.id, name="admin", role="admin", now=utcnow())
    problem(world.send("POST", f"{base(world)}:diff", {}, key=stranger), 404, "workspace")
