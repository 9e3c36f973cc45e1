"""Seeds 000 and 001 against `/compat/reddit/api/v1/workspaces/{workspace_id}/…`.

The seeds' bodies and curls create through the `reddit` kind; the shapes of list, read, delete
and cancel are also checked on schedules and jobs stored as the kind stores them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from kairos.domain.jobs import Job, JobStatus
from kairos.domain.schedules import Kind, Schedule, TriggerType, rearm
from kairos.ids import new_id
from kairos.timeutil import utcnow
from tests.conformance.conftest import World, check_shape, problem, send_curl
from tests.conformance.seed_documents import curl_commands, seed_text
from tests.conformance.seed_examples import nullable_fields, requests, response

SCHEDULES = nullable_fields("000")
JOBS = nullable_fields("001")


def base(world: World) -> str:
    return f"/compat/reddit/api/v1/workspaces/{world.slug}"


def curl_path(world: World, path: str, **ids: str) -> str:
    path = "/compat/reddit" + path.replace("{workspace_id}", world.workspace_id)
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


def stored_schedule(world: World, body: dict[str, Any]) -> Schedule:
    """A reddit schedule as the kind stores one: the seed's fields and their documented defaults."""
    now = utcnow()
    payload = {"target": body["target"], "target_type": body.get("target_type", "subreddit"),
               "mode": body.get("mode", "history"), "limit": 100, "download_media": True,
               "scrape_comments": True, "plugins": [], "config": body.get("config", {})}
    schedule = rearm(Schedule(id=new_id("sched"), workspace_id=world.workspace_id, name=f"r/{body['target']}",
                              kind=Kind.REDDIT, payload=payload, trigger_type=TriggerType.CRON,
                              cron_expression=body["cron_expression"], created_at=now, updated_at=now), now)
    world.store.add_schedules([schedule])
    return schedule


def stored_job(world: World, body: dict[str, Any]) -> Job:
    now = utcnow()
    job = Job(id=new_id("job"), workspace_id=world.workspace_id, schedule_id=None, kind="reddit",
              payload={"target_type": "subreddit", "mode": "full", "limit": 100, "config": {}, **body},
              status=JobStatus.PENDING, run_after=now, created_at=now)
    world.store.add_job(job)
    return job


def test_the_seed_000_bodies_and_curls_create_and_update_schedules(world: World) -> None:
    _, create_curl, patch_curl, _ = curl_commands(seed_text("000"))
    answer = send_curl(world, create_curl, curl_path(world, create_curl.path))
    assert answer.status_code == 201, answer.text
    check_shape(answer.json(), response("000", "POST", "/schedules").body, SCHEDULES)
    sid = answer.json()["id"]
    patched = send_curl(world, patch_curl, curl_path(world, patch_curl.path, schedule_id=sid))
    assert patched.status_code == 200, patched.text
    check_shape(patched.json(), response("000", "PATCH", "/schedules/{schedule_id}").body, SCHEDULES)
    assert patched.json()["is_active"] is False and patched.json()["next_run_at"] is None
    for body in requests("000", "POST"):
        assert world.send("POST", f"/api/v1/workspaces/{world.slug}/schedules", body,
                          content_type="application/json").status_code == 201


def test_the_seed_001_body_and_curl_create_jobs(world: World) -> None:
    (create_curl, *_) = curl_commands(seed_text("001"))
    answer = send_curl(world, create_curl, curl_path(world, create_curl.path))
    assert answer.status_code == 201, answer.text
    check_shape(answer.json(), response("001", "POST", "/jobs").body, JOBS)
    assert answer.json()["status"] == "pending" and answer.json()["posts_scraped"] == 0
    (body,) = requests("001", "POST")
    assert world.send("POST", f"{base(world)}/jobs", body).status_code == 201


def test_schedules_list_read_and_delete_in_the_seed_000_shapes(world: World) -> None:
    (body,) = requests("000", "POST")
    schedule = stored_schedule(world, body)
    # A schedule of another kind is not one of this API's.
    world.send("POST", f"/api/v1/workspaces/{world.slug}/schedules",
               {"task": "kairos.echo", "cron_expression": "0 * * * *"}, content_type="application/json")
    list_curl, _, _, delete_curl = curl_commands(seed_text("000"))
    listed = send_curl(world, list_curl, curl_path(world, list_curl.path))
    assert listed.status_code == 200, listed.text
    check_shape(listed.json(), response("000", "GET", "/schedules").body, SCHEDULES)
    assert [s["id"] for s in listed.json()] == [schedule.id]
    (item,) = listed.json()
    assert (item["target"], item["mode"], item["is_active"], item["run_count"]) == ("technology", "history", True, 0)
    one = world.send("GET", f"{base(world)}/schedules/{schedule.id}")
    assert one.status_code == 200 and one.json() == item
    # Turned off elsewhere, it says is_active false here.
    world.store.update_schedule(world.workspace_id, schedule.id,
                                lambda s: dataclasses.replace(s, enabled=False, updated_at=utcnow()))
    assert world.send("GET", f"{base(world)}/schedules/{schedule.id}").json()["is_active"] is False
    deleted = send_curl(world, delete_curl, curl_path(world, delete_curl.path, schedule_id=schedule.id))
    assert deleted.status_code == 200
    assert deleted.json() == response("000", "DELETE", "/schedules/{schedule_id}").body
    problem(world.send("GET", f"{base(world)}/schedules/{schedule.id}"), 404)


def test_jobs_list_read_and_cancel_in_the_seed_001_shapes(world: World) -> None:
    (body,) = requests("001", "POST")
    done, pending = stored_job(world, body), stored_job(world, body)
    world.finish(done.id, JobStatus.COMPLETED, utcnow(), progress={"posts": 100, "comments": 450,
                                                                   "posts_scraped": 100, "comments_scraped": 450})
    _, list_curl, get_curl, cancel_curl = curl_commands(seed_text("001"))
    listed = send_curl(world, list_curl, curl_path(world, list_curl.path))
    assert listed.status_code == 200, listed.text
    check_shape(listed.json(), response("001", "GET", "/jobs").body, JOBS)
    assert [j["id"] for j in listed.json()["jobs"]] == [done.id]
    assert (listed.json()["total"], listed.json()["has_more"]) == (1, False)
    got = send_curl(world, get_curl, curl_path(world, get_curl.path, job_id=done.id))
    assert got.status_code == 200
    check_shape(got.json(), response("001", "GET", "/jobs/{job_id}").body, JOBS)
    assert got.json()["status"] == "completed" and isinstance(got.json()["duration_seconds"], float)
    # The counters the seed shows come from the job's progress.
    assert (got.json()["posts_scraped"], got.json()["comments_scraped"]) == (100, 450)
    page = world.client.get(f"{base(world)}/jobs", params={"limit": 1, "offset": 1},
                            headers={"X-API-Key": world.key}).json()
    assert page["total"] == 2 and len(page["jobs"]) == 1 and page["has_more"] is False
    cancelled = send_curl(world, cancel_curl, curl_path(world, cancel_curl.path, job_id=pending.id))
    assert cancelled.status_code == 200
    assert cancelled.json() == response("001", "DELETE", "/jobs/{job_id}").body
    assert world.store.get_job(world.workspace_id, pending.id).status == JobStatus.CANCELLED
    problem(send_curl(world, cancel_curl, curl_path(world, cancel_curl.path, job_id=done.id)), 409)


def test_bad_input_is_a_400_problem_naming_the_field(world: World) -> None:
    (body,) = requests("000", "POST")
    problem(world.send("POST", f"{base(world)}/schedules", {**body, "cron_expression": "0 */6 * *"}),
            400, "cron_expression")
    problem(world.send("POST", f"{base(world)}/schedules", {**body, "colour": "red"}), 400, "colour")
    problem(world.send("POST", f"{base(world)}/jobs", {**requests("001", "POST")[0], "limit": "many"}), 400, "limit")
    problem(world.client.get(f"{base(world)}/jobs", params={"status": "lost"}, headers={"X-API-Key": world.key}),
            400, "status")
    problem(world.client.get(f"{base(world)}/jobs", params={"limit": 500}, headers={"X-API-Key": world.key}),
            400, "limit")
    problem(world.send("GET", f"{base(world)}/jobs/job_missing"), 404)
