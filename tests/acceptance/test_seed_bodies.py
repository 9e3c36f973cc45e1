"""The request bodies of seeds 002 and 003, sent as they stand to our paths, do what the seeds say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.acceptance.conftest import KairosProcess, list_all, parse_time, wait_for
from tests.seed_bodies import (
    DAILY_DIGEST,
    DAILY_REPORT,
    FOLLOW_UP,
    HOURLY_SYNC,
    PAUSE,
    SCRAPE_CHANGE_INTERVAL,
    SCRAPE_CRON,
    SCRAPE_DISABLE,
    SCRAPE_INTERVAL,
    SEED_004_STRATEGY_ID,
    SEND_REMINDER,
    UPDATE,
)

pytestmark = pytest.mark.slow


def created(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/schedules", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def next_daily(hour: int, minute: int = 0) -> datetime:
    now = datetime.now(UTC)
    candidate = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + timedelta(days=1)


def test_seed_002_creates_pauses_and_lists(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        daily = created(client, DAILY_REPORT)
        assert daily["trigger_type"] == "cron"
        assert daily["cron_expression"] == "0 9 * * *"
        assert (daily["callback_type"], daily["callback_id"]) == ("workflow", "workflow-456")
        assert daily["kind"] == "callback"
        assert daily["status"] == "active" and daily["enabled"] is True
        assert parse_time(daily["next_run_at"]) == next_daily(9)

        reminder = created(client, SEND_REMINDER)
        assert reminder["trigger_type"] == "once"
        assert reminder["run_at"] == "2024-12-20T15:00:00Z"

        follow_up = created(client, FOLLOW_UP)
        assert follow_up["trigger_type"] == "delayed"
        assert follow_up["delay_seconds"] == 3600
        assert parse_time(follow_up["run_at"]) == (
            parse_time(follow_up["created_at"]) + timedelta(seconds=3600))
        assert follow_up["status"] == "active"

        hourly = created(client, HOURLY_SYNC)
        assert hourly["cron_expression"] == "0 * * * *"

        paused = ok(client.put(f"/schedules/{hourly['id']}", json=PAUSE))
        assert paused["status"] == "paused"
        assert paused["next_run_at"] is None
        assert paused["cron_expression"] == "0 * * * *"

        updated = ok(client.put(f"/schedules/{daily['id']}", json=UPDATE))
        assert updated["name"] == "Updated Schedule"
        assert updated["cron_expression"] == "0 10 * * *"
        assert updated["status"] == "paused"
        assert updated["callback_id"] == "workflow-456"
        resumed = ok(client.put(f"/schedules/{daily['id']}", json={"status": "active"}))
        assert resumed["status"] == "active"
        assert parse_time(resumed["next_run_at"]) == next_daily(10)

        # The past once-schedule fired at once (its workflow is not registered here), so it is
        # completed and no longer active.
        wait_for(lambda: ok(client.get(f"/schedules/{reminder['id']}"))["status"] == "completed",
                 timeout=6, what="the past once schedule to fire")

        active_cron = list_all(client, "/schedules", status="active", type="cron")
        assert {s["id"] for s in active_cron} == {daily["id"]}
        paused_cron = list_all(client, "/schedules", status="paused", type="cron")
        assert {s["id"] for s in paused_cron} == {hourly["id"]}
        delayed = list_all(client, "/schedules", type="delayed")
        assert {s["id"] for s in delayed} == {follow_up["id"]}
        assert len(list_all(client, "/schedules")) == 4

        detail = ok(client.get(f"/schedules/{reminder['id']}"))
        assert len(detail["recent_fires"]) == 1
        execution = detail["recent_fires"][0]
        assert execution["scheduled_for"] == "2024-12-20T15:00:00Z"
        assert execution["job_id"]
        wait_for(lambda: ok(client.get(f"/jobs/{execution['job_id']}"))["status"] == "failed",
                 timeout=5, what="the reminder's job to finish")
        assert ok(client.get(f"/jobs/{execution['job_id']}"))["error_message"] == (
            "workflow 'workflow-789' is not registered")

        deleted = client.delete(f"/schedules/{follow_up['id']}")
        assert deleted.status_code == 200, deleted.text
        assert client.get(f"/schedules/{follow_up['id']}").status_code == 404


def test_seed_003_scheduler_without_a_link_is_a_clear_400(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        response = client.post("/schedules", json=DAILY_DIGEST)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 400
        locs = [error["loc"] for error in problem["errors"]]
        assert ["body", "scheduler"] in locs, problem
        message = next(e["msg"] for e in problem["errors"] if e["loc"] == ["body", "scheduler"])
        assert "celery-beat" in message and "link" in message, message
        assert list_all(client, "/schedules") == []


def test_seed_003_body_without_scheduler_is_a_kairos_task_schedule(kairos: KairosProcess) -> None:
    body = {k: v for k, v in DAILY_DIGEST.items() if k != "scheduler"}
    with kairos.client() as client:
        schedule = created(client, body)
        assert schedule["scheduler"] == "kairos"
        assert schedule["kind"] == "task"
        assert schedule["trigger_type"] == "cron"
        assert schedule["cron_expression"] == "0 9 * * *"
        trigger = schedule["trigger"]
        assert {k: trigger[k] for k in DAILY_DIGEST["trigger"]} == DAILY_DIGEST["trigger"]
        assert trigger.get("day_of_month", "*") == trigger.get("month_of_year", "*") == "*"
        assert schedule["task"] == "email.send_daily_digest"
        assert schedule["args"] == []
        assert schedule["kwargs"] == {"locale": "en-US"}
        assert schedule["enabled"] is True
        assert parse_time(schedule["next_run_at"]) == next_daily(9)
        sid = schedule["id"]

        # PATCH: any subset of the create fields; what is not sent stays.
        step = ok(client.patch(f"/schedules/{sid}", json={"kwargs": {"locale": "de-DE"}}))
        assert step["kwargs"] == {"locale": "de-DE"}
        assert (step["task"], step["cron_expression"]) == ("email.send_daily_digest", "0 9 * * *")
        step = ok(client.patch(f"/schedules/{sid}", json={
            "trigger": {"minute": "30", "hour": "8", "day_of_week": "1-5"}}))
        assert step["cron_expression"] == "30 8 * * 1-5"
        assert step["trigger"]["day_of_week"] == "1-5"
        assert step["kwargs"] == {"locale": "de-DE"}
        step = ok(client.patch(f"/schedules/{sid}", json={"name": "email.weekday-digest",
                                                          "args": ["x"]}))
        assert (step["name"], step["args"]) == ("email.weekday-digest", ["x"])
        assert step["cron_expression"] == "30 8 * * 1-5"
        step = ok(client.patch(f"/schedules/{sid}", json={"enabled": False}))
        assert step["enabled"] is False
        assert step["next_run_at"] is None
        step = ok(client.patch(f"/schedules/{sid}", json={}))
        assert step["enabled"] is False and step["name"] == "email.weekday-digest"

        # enable / disable / trigger / fires.
        step = ok(client.post(f"/schedules/{sid}/enable"))
        assert step["enabled"] is True
        assert parse_time(step["next_run_at"]) > datetime.now(UTC)
        step = ok(client.post(f"/schedules/{sid}/disable"))
        assert step["enabled"] is False

        triggered = client.post(f"/schedules/{sid}/trigger")
        assert triggered.status_code == 201, triggered.text
        job = triggered.json()
        assert job["schedule_id"] == sid
        assert job["trigger"] == "manual"
        assert job["task"] == "email.send_daily_digest"
        assert "task_id" in job
        finished = wait_for(
            lambda: (j := ok(client.get(f"/jobs/{job['id']}")))["status"] not in
            ("pending", "running") and j, timeout=6, what="the triggered job to finish")
        assert finished["status"] == "failed"
        assert finished["error_message"] == "task 'email.send_daily_digest' is not registered"

        fires = ok(client.get(f"/schedules/{sid}/fires"))["items"]
        assert len(fires) == 1
        assert fires[0]["job_id"] == job["id"]
        assert fires[0]["trigger"] == "manual"
        assert fires[0]["status"] == "failed"
        assert ok(client.get(f"/schedules/{sid}"))["run_count"] == 1

        # The seed's list filters: scheduler, enabled, limit and cursor.
        second = created(client, {**body, "name": "email.other"})
        assert {s["id"] for s in list_all(client, "/schedules", scheduler="kairos")} == {
            sid, second["id"]}
        assert list_all(client, "/schedules", scheduler="celery-beat") == []
        assert [s["id"] for s in list_all(client, "/schedules", enabled="true")] == [second["id"]]
        assert [s["id"] for s in list_all(client, "/schedules", enabled="false")] == [sid]
        first_page = ok(client.get("/schedules", params={"limit": 1}))
        assert first_page["has_more"] is True and first_page["total"] == 2
        rest = ok(client.get("/schedules", params={"limit": 1,
                                                   "cursor": first_page["next_cursor"]}))
        assert rest["has_more"] is False
        assert {first_page["items"][0]["id"], rest["items"][0]["id"]} == {sid, second["id"]}


def test_seed_004_scrape_schedules(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        strategy = client.post("/strategies", json={"name": "products", "type": "css",
                                                    "item": "li", "fields": {"name": "span"}})
        assert strategy.status_code == 201, strategy.text
        # The seed's strategy id stands for one of the reader's strategies.
        mine = {"strategy_id": strategy.json()["id"]}
        assert SCRAPE_INTERVAL["strategy_id"] == SEED_004_STRATEGY_ID
        interval = created(client, {**SCRAPE_INTERVAL, **mine})
        cron = created(client, {**SCRAPE_CRON, **mine})
        for made in (interval, cron):
            assert made["kind"] == "scrape"
            assert (made["strategy_id"], made["url"], made["urls"]) == (
                mine["strategy_id"], "https://example.com/products", None)
            assert made["webhook_url"] == "https://your-app.com/webhooks/meter"
            assert made["webhook_secret"].startswith("whsec_")
        assert (interval["trigger_type"], interval["interval_seconds"]) == ("interval", 3600)
        assert (cron["trigger_type"], cron["cron_expression"]) == ("cron", "0 9 * * *")
        assert parse_time(cron["next_run_at"]) == next_daily(9)

        changed = ok(client.patch(f"/schedules/{interval['id']}", json=SCRAPE_CHANGE_INTERVAL))
        assert changed["interval_seconds"] == 7200
        assert ok(client.patch(f"/schedules/{interval['id']}", json=SCRAPE_DISABLE))["enabled"] is False

        unknown = client.post("/schedules", json=SCRAPE_INTERVAL)
        assert unknown.status_code == 400, unknown.text
        assert ["body", "strategy_id"] in [e["loc"] for e in unknown.json()["errors"]]
