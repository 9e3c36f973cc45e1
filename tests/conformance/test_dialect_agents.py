"""Seed 002 against `/api/agents/{id}/schedules…`: its bodies and curls, its shapes, pause by PUT."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kairos.domain.jobs import JobStatus
from kairos.store.base import JobFilters, Page
from kairos.timeutil import utcnow
from tests.conformance.conftest import World, check_shape, later, problem, send_curl
from tests.conformance.seed_documents import curl_commands, seed_text
from tests.conformance.seed_examples import nullable_fields, requests, response

# Every example is a cron schedule's; once and delayed ones (also seed 002's) have no cron.
NULLABLE = nullable_fields("002") | {"cron_expression"}
STATUSES = {"active", "paused", "completed"}


def base(world: World, root: str = "") -> str:
    return f"{root}/api/agents/{world.slug}"


def created(world: World, body: dict[str, Any], root: str = "") -> dict[str, Any]:
    answer = world.send("POST", f"{base(world, root)}/schedules", body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_every_create_body_is_answered_in_the_documented_shape_at_both_paths(world: World) -> None:
    documented = response("002", "POST", "/schedules").body
    for body in requests("002", "POST"):
        for root in ("", "/compat/agents"):
            ours = created(world, body, root)
            check_shape(ours, documented, NULLABLE)
            assert ours["name"] == body["name"] and ours["type"] == body["type"]
            assert ours["status"] == "active"
            assert (ours["callback_type"], ours["callback_id"]) == ("workflow", body["callback_id"])
        # The canonical path takes the same body and makes the same schedule.
        canonical = world.send("POST", f"/api/v1/workspaces/{world.slug}/schedules", body,
                               content_type="application/json")
        assert canonical.status_code == 201, canonical.text
        assert canonical.json()["trigger_type"] == body["type"]
    once = next(s for s in world.send("GET", f"{base(world)}/schedules").json()["schedules"]
                if s["type"] == "once")
    assert once["next_run"] == "2024-12-20T15:00:00Z"
    delayed = created(world, next(b for b in requests("002", "POST") if b["type"] == "delayed"))
    assert delayed["delay_seconds"] == 3600 and delayed["next_run"] is not None


def test_list_and_get_have_the_documented_envelopes_and_filters(world: World) -> None:
    for body in requests("002", "POST"):
        created(world, body)
    listed = world.send("GET", f"{base(world)}/schedules")
    assert listed.status_code == 200
    check_shape(listed.json(), response("002", "GET", "/schedules").body, NULLABLE)
    assert len(listed.json()["schedules"]) == 3
    crons = world.client.get(f"{base(world)}/schedules", params={"type": "cron"},
                             headers={"X-API-Key": world.key}).json()["schedules"]
    assert [s["type"] for s in crons] == ["cron"]
    one = crons[0]
    detail = world.send("GET", f"{base(world)}/schedules/{one['id']}")
    assert detail.status_code == 200
    check_shape(detail.json(), response("002", "GET", "/schedules/{scheduleId}").body, NULLABLE)
    assert detail.json()["executions"] == []
    # The workspace id serves as well as the slug.
    assert world.send("GET", f"/api/agents/{world.workspace_id}/schedules/{one['id']}").status_code == 200


def test_pause_by_put_stops_fires_and_active_resumes_them(world: World) -> None:
    (hourly_curl, pause_curl) = curl_commands(seed_text("002"))
    made = send_curl(world, hourly_curl, base(world) + hourly_curl.path)
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    paused = send_curl(world, pause_curl, base(world) + pause_curl.path.replace("schedule-123", sid))
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused" and paused.json()["next_run"] is None
    world.store.fire_due(later(3 * 3600), 1000)
    assert world.store.list_jobs(world.workspace_id, JobFilters(schedule_id=sid), Page()).total == 0

    def listed(status: str) -> list[str]:
        answer = world.client.get(f"{base(world)}/schedules", params={"status": status},
                                  headers={"X-API-Key": world.key})
        return [s["id"] for s in answer.json()["schedules"]]

    assert sid in listed("paused") and sid not in listed("active")
    resumed = world.send("PUT", f"{base(world)}/schedules/{sid}", {"status": "active"})
    assert resumed.json()["status"] == "active" and resumed.json()["next_run"] is not None
    world.store.fire_due(later(2 * 3600), 1000)
    assert world.store.list_jobs(world.workspace_id, JobFilters(schedule_id=sid), Page()).total == 1


def test_put_changes_only_what_it_sends(world: World) -> None:
    (update,) = requests("002", "PUT")
    sid = created(world, requests("002", "POST")[0])["id"]
    answer = world.send("PUT", f"{base(world)}/schedules/{sid}", update)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["name"], body["cron_expression"], body["status"]) == (
        "Updated Schedule", "0 10 * * *", "paused")
    assert body["callback_id"] == "workflow-456"


def test_executions_say_success_failed_and_running(world: World) -> None:
    sid = created(world, requests("002", "POST")[0])["id"]
    now = utcnow()
    ok = world.store.fire_now(world.workspace_id, sid, now)
    world.finish(ok.id, JobStatus.COMPLETED, now + timedelta(seconds=1))
    bad = world.store.fire_now(world.workspace_id, sid, now + timedelta(seconds=2))
    world.finish(bad.id, JobStatus.FAILED, now + timedelta(seconds=3))
    world.store.fire_now(world.workspace_id, sid, now + timedelta(seconds=4))
    detail = world.send("GET", f"{base(world)}/schedules/{sid}").json()
    check_shape(detail, response("002", "GET", "/schedules/{scheduleId}").body, NULLABLE)
    assert [e["status"] for e in detail["executions"]] == ["running", "failed", "success"]
    assert detail["status"] in STATUSES


def test_a_once_schedule_that_has_fired_is_completed(world: World) -> None:
    once = next(b for b in requests("002", "POST") if b["type"] == "once")
    sid = created(world, once)["id"]
    world.store.fire_due(utcnow(), 1000)  # its instant is past: it runs once (misfire run_once)
    body = world.send("GET", f"{base(world)}/schedules/{sid}").json()
    assert body["status"] == "completed" and body["next_run"] is None
    assert len(body["executions"]) == 1


def test_errors_are_the_seeds_400_and_404_as_problem_json(world: World) -> None:
    bad = dict(requests("002", "POST")[0], cron_expression="61 9 * * *")
    problem(world.send("POST", f"{base(world)}/schedules", bad), 400, "cron_expression")
    problem(world.send("GET", f"{base(world)}/schedules/sched_missing"), 404)
    problem(world.send("PUT", f"{base(world)}/schedules/sched_missing", {"status": "paused"}), 404)
    problem(world.send("POST", f"{base(world)}/schedules", "not an object"), 400)
    # A schedule of another kind is not one of this API's.
    task = world.send("POST", f"/api/v1/workspaces/{world.slug}/schedules",
                      {"task": "kairos.echo", "cron_expression": "0 * * * *"},
                      content_type="application/json").json()["id"]
    problem(world.send("GET", f"{base(world)}/schedules/{task}"), 404)
    problem(world.send("DELETE", f"{base(world)}/schedules/{task}"), 404)
    sid = created(world, requests("002", "POST")[0])["id"]
    # Another kind's fields cannot turn it into a schedule this API would no longer show.
    switched = world.send("PUT", f"{base(world)}/schedules/{sid}", {"task": "kairos.echo"})
    assert switched.status_code == 200, switched.text
    assert world.send("GET", f"{base(world)}/schedules/{sid}").json()["callback_id"] == "workflow-456"
    deleted = world.send("DELETE", f"{base(world)}/schedules/{sid}")
    assert deleted.status_code == 200 and deleted.json()["message"] == "Schedule deleted successfully"
    problem(world.send("GET", f"{base(world)}/schedules/{sid}"), 404)
