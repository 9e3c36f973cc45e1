"""Every trigger type fires on the real `kairos serve` process, watched over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest

from tests.acceptance.conftest import KairosProcess, Receiver, finished_job, list_all, parse_time, wait_for

pytestmark = pytest.mark.slow


def create(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/schedules", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def schedule_fires(client: httpx.Client, schedule_id: str) -> list[dict[str, Any]]:
    """The schedule's fires, oldest first."""
    return sorted(list_all(client, f"/schedules/{schedule_id}/fires"),
                  key=lambda f: f["scheduled_for"])


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_interval_fires_on_the_anchor_grid_once_per_instant(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        schedule = create(client, {"name": "every second", "interval_seconds": 1,
                                   "task": "kairos.echo", "kwargs": {"n": 1},
                                   "overlap_policy": "allow"})
        anchor = parse_time(schedule["created_at"])
        fires = wait_for(lambda: (f := schedule_fires(client, schedule["id"])) and len(f) >= 5 and f,
                         timeout=10, what="five interval fires")
        instants = [parse_time(f["scheduled_for"]) for f in fires]
        assert len(set(instants)) == len(instants), "an instant fired twice"
        for instant in instants:
            offset = (instant - anchor) / timedelta(microseconds=1)
            assert offset % 1_000_000 == 0, f"{instant} is off the grid anchored at {anchor}"
        assert instants[0] == anchor + timedelta(seconds=1)
        steps = {(b - a).total_seconds() for a, b in pairwise(instants)}
        assert steps == {1.0}, f"fires are not one second apart: {instants}"
        for fire in fires:
            lateness = (parse_time(fire["fired_at"]) - parse_time(fire["scheduled_for"]))
            assert timedelta(0) <= lateness < timedelta(seconds=2), fire
            assert fire["trigger"] == "schedule"
            assert fire["job_id"]
        done = finished_job(client, fires[0]["job_id"])
        assert done["status"] == "completed"
        assert done["result"] == {"args": [], "kwargs": {"n": 1}}
        assert done["scheduled_for"] == fires[0]["scheduled_for"]
        current = client.get(f"/schedules/{schedule['id']}").json()
        assert current["status"] == "active"
        assert current["run_count"] >= 5
        assert current["recent_fires"], "GET /schedules/{id} embeds recent_fires"


def test_six_field_cron_fires_every_two_seconds(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        schedule = create(client, {"name": "cron secs", "cron_expression": "*/2 * * * * *",
                                   "task": "kairos.echo", "overlap_policy": "allow"})
        assert schedule["trigger_type"] == "cron"
        fires = wait_for(lambda: (f := schedule_fires(client, schedule["id"])) and len(f) >= 3 and f,
                         timeout=12, what="three cron fires")
        instants = [parse_time(f["scheduled_for"]) for f in fires]
        for instant in instants:
            assert instant.second % 2 == 0 and instant.microsecond == 0, instant
        steps = {(b - a).total_seconds() for a, b in pairwise(instants)}
        assert steps == {2.0}, instants
        assert finished_job(client, fires[0]["job_id"])["status"] == "completed"


def test_once_fires_a_single_time_and_completes(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        run_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        schedule = create(client, {"name": "once", "type": "once", "run_at": rfc3339(run_at),
                                   "task": "kairos.echo"})
        assert schedule["trigger_type"] == "once"
        assert parse_time(schedule["next_run_at"]) == run_at
        assert schedule_fires(client, schedule["id"]) == []
        wait_for(lambda: client.get(f"/schedules/{schedule['id']}").json()["status"] == "completed",
                 timeout=8, what="the once schedule to complete")
        fires = schedule_fires(client, schedule["id"])
        assert len(fires) == 1
        assert parse_time(fires[0]["scheduled_for"]) == run_at
        assert parse_time(fires[0]["fired_at"]) >= run_at
        assert finished_job(client, fires[0]["job_id"])["status"] == "completed"
        current = client.get(f"/schedules/{schedule['id']}").json()
        assert current["next_run_at"] is None
        assert current["run_count"] == 1


def test_delayed_fires_once_after_its_delay(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        schedule = create(client, {"name": "delayed", "type": "delayed", "delay_seconds": 2,
                                   "task": "kairos.echo"})
        created = parse_time(schedule["created_at"])
        assert schedule["trigger_type"] == "delayed"
        assert parse_time(schedule["run_at"]) == created + timedelta(seconds=2)
        wait_for(lambda: client.get(f"/schedules/{schedule['id']}").json()["status"] == "completed",
                 timeout=8, what="the delayed schedule to complete")
        fires = schedule_fires(client, schedule["id"])
        assert len(fires) == 1
        assert parse_time(fires[0]["scheduled_for"]) == created + timedelta(seconds=2)
        assert parse_time(fires[0]["fired_at"]) >= created + timedelta(seconds=2)
        assert finished_job(client, fires[0]["job_id"])["status"] == "completed"


def test_seed_002_once_in_the_past_fires_right_away(
    kairos_factory: Any, task_module_env: dict[str, str]
) -> None:
    # The body exactly as seed 002 shows it; its run_at is long past, and the default misfire
    # policy (run_once) runs a missed once-schedule a single time.
    body = {"name": "Send Reminder", "type": "once", "next_run": "2024-12-20T15:00:00Z",
            "callback_type": "workflow", "callback_id": "workflow-789"}
    process: KairosProcess = kairos_factory(env_extra=task_module_env)
    process.start()
    with process.client() as client:
        schedule = create(client, body)
        assert schedule["run_at"] == "2024-12-20T15:00:00Z"
        wait_for(lambda: client.get(f"/schedules/{schedule['id']}").json()["status"] == "completed",
                 timeout=5, what="the past once schedule to fire and complete")
        fires = schedule_fires(client, schedule["id"])
        assert [f["scheduled_for"] for f in fires] == ["2024-12-20T15:00:00Z"]
        done = finished_job(client, fires[0]["job_id"])
        assert done["status"] == "completed", done
        assert done["result"] == {"reminded": schedule["id"]}
        current = client.get(f"/schedules/{schedule['id']}").json()
        assert current["recent_fires"][0]["status"] == "succeeded"
        assert current["last_run_at"] is not None


def test_custom_task_gets_its_args_and_kwargs(
    kairos_factory: Any, task_module_env: dict[str, str]
) -> None:
    process: KairosProcess = kairos_factory(env_extra=task_module_env)
    process.start()
    with process.client() as client:
        schedule = create(client, {"name": "custom", "type": "delayed", "delay_seconds": 1,
                                   "task": "acceptance.record", "args": [1, "two", {"three": 3}],
                                   "kwargs": {"locale": "en-US", "nested": {"a": [1, 2]}}})
        fires = wait_for(lambda: schedule_fires(client, schedule["id"]), timeout=6,
                         what="the custom task schedule to fire")
        done = finished_job(client, fires[0]["job_id"])
        assert done["status"] == "completed", done
        assert done["result"] == {
            "args": [1, "two", {"three": 3}],
            "kwargs": {"locale": "en-US", "nested": {"a": [1, 2]}},
            "job_id": done["id"],
            "schedule_id": schedule["id"],
            "scheduled_for": fires[0]["scheduled_for"],
            "attempt": 1,
        }


def test_callback_workflow_receives_the_fire_event(
    kairos_factory: Any, task_module_env: dict[str, str]
) -> None:
    process: KairosProcess = kairos_factory(env_extra=task_module_env)
    process.start()
    with process.client() as client:
        schedule = create(client, {"name": "flow", "cron_expression": "* * * * * *",
                                   "callback_type": "workflow", "callback_id": "acceptance.flow",
                                   "overlap_policy": "allow"})
        assert schedule["kind"] == "callback"
        fires = wait_for(lambda: schedule_fires(client, schedule["id"]), timeout=6,
                         what="the workflow schedule to fire")
        client.post(f"/schedules/{schedule['id']}/disable").raise_for_status()
        done = finished_job(client, fires[0]["job_id"])
        assert done["status"] == "completed", done
        event = done["result"]["received"]
        assert event["event"] == "schedule.fired"
        assert event["schedule_id"] == schedule["id"]
        assert event["job_id"] == done["id"]
        assert event["callback_id"] == "acceptance.flow"
        assert event["scheduled_for"] == fires[0]["scheduled_for"]


def test_callback_http_posts_the_fire_event_to_a_real_receiver(
    kairos_factory: Any, receiver: Receiver
) -> None:
    process: KairosProcess = kairos_factory(env_extra={"KAIROS_ALLOW_PRIVATE_NETWORKS": "1"})
    process.start()
    with process.client() as client:
        schedule = create(client, {"name": "hook", "type": "delayed", "delay_seconds": 1,
                                   "callback_type": "http", "callback_id": receiver.url})
        wait_for(lambda: receiver.requests, timeout=8, what="the receiver to get the callback")
        fires = schedule_fires(client, schedule["id"])
        assert len(fires) == 1
        done = finished_job(client, fires[0]["job_id"])
        assert done["status"] == "completed", done
        assert done["result"]["status_code"] == 200
        assert len(receiver.requests) == 1
        request = receiver.requests[0]
        assert request["path"] == "/hook"
        assert request["headers"]["User-Agent"].startswith("Kairos/")
        event = request["json"]
        assert event["event"] == "schedule.fired"
        assert event["schedule_id"] == schedule["id"]
        assert event["job_id"] == done["id"]
        assert event["scheduled_for"] == fires[0]["scheduled_for"]


def test_callback_http_to_a_private_address_is_refused_by_default(
    kairos: KairosProcess, receiver: Receiver
) -> None:
    with kairos.client() as client:
        schedule = create(client, {"name": "hook", "type": "delayed", "delay_seconds": 1,
                                   "callback_type": "http", "callback_id": receiver.url})
        fires = wait_for(lambda: schedule_fires(client, schedule["id"]), timeout=6,
                         what="the http callback schedule to fire")
        done = finished_job(client, fires[0]["job_id"])
        assert done["status"] == "failed", done
        message = done["error_message"] or ""
        assert "refused to connect" in message, message
        assert "KAIROS_ALLOW_PRIVATE_NETWORKS" in message, message
        assert receiver.requests == []
