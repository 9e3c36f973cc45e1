"""A delivery is queued in the transaction that records a job's end, for jobs that ended."""

from __future__ import annotations

import json

from kairos.engine.finish import JobFinisher
from kairos.store.base import Page
from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.helpers import finish
from tests.integration.webhook_receivers import finish_job, schedule_with_webhook

URL = "https://hooks.example.com/kairos"


def deliveries(store: SqlStore, schedule) -> list:  # type: ignore[no-untyped-def]
    return store.list_deliveries(schedule.workspace_id, schedule.id, Page(limit=200)).items


def test_a_completed_job_queues_one_delivery_with_the_spec_body(store: SqlStore) -> None:
    schedule = schedule_with_webhook(store, URL, webhook_metadata={"team": "ops"})
    job = finish_job(store, schedule, [{"title": "a"}, {"title": "b"}])

    [delivery] = deliveries(store, schedule)
    body = json.loads(delivery.body)
    assert delivery.status == "pending" and delivery.attempt_count == 0 and delivery.attempts == []
    assert delivery.id.startswith("dlv_") and delivery.job_id == job.id
    assert body["event"] == "job.completed"
    assert body["job_id"] == job.id and body["schedule_id"] == schedule.id
    assert body["workspace_id"] == schedule.workspace_id and body["status"] == "completed"
    assert body["results"] == [{"title": "a"}, {"title": "b"}] and body["results_truncated"] is False
    assert body["item_count"] == 2 and body["has_changes"] is True
    assert body["content_hash"] == job.content_hash and body["metadata"] == {"team": "ops"}
    assert body["completed_at"].endswith("Z")
    assert delivery.summary["schedule_name"] == schedule.name
    assert delivery.summary["added_count"] == 2 and delivery.summary["removed_count"] == 0


def test_has_changes_follows_the_content_between_runs(store: SqlStore) -> None:
    schedule = schedule_with_webhook(store, URL)
    for result in ([1, 2], [1, 2], [2, 3], [2, 3]):
        finish_job(store, schedule, result)
    bodies = [json.loads(d.body) for d in reversed(deliveries(store, schedule))]
    assert [b["has_changes"] for b in bodies] == [True, False, True, False]
    third = next(d for d in deliveries(store, schedule) if json.loads(d.body)["results"] == [2, 3]
                 and json.loads(d.body)["has_changes"])
    assert third.summary["added"] == [3] and third.summary["removed_count"] == 1


def test_extracted_items_are_the_results_not_the_raw_result(store: SqlStore) -> None:
    schedule = schedule_with_webhook(store, URL)
    finish_job(store, schedule, {"pages": [{"url": "https://a.example"}]}, items=[{"n": 1}])
    [delivery] = deliveries(store, schedule)
    assert json.loads(delivery.body)["results"] == [{"n": 1}]


def test_a_failed_job_queues_a_job_failed_delivery(store: SqlStore) -> None:
    schedule = schedule_with_webhook(store, URL)
    finish_job(store, schedule, status="failed", error="ValueError: broken")
    [delivery] = deliveries(store, schedule)
    body = json.loads(delivery.body)
    assert delivery.event == body["event"] == "job.failed"
    assert body["status"] == "failed" and body["error_message"] == "ValueError: broken"
    assert body["results"] == [] and body["has_changes"] is False


def test_no_delivery_for_retries_cancellations_or_schedules_without_a_webhook(store: SqlStore) -> None:
    hooked = schedule_with_webhook(store, URL)
    finish_job(store, hooked, status="failed", error="boom", retry=True)
    finish_job(store, hooked, status="cancelled")
    assert deliveries(store, hooked) == []

    plain = schedule_with_webhook(store, None)
    finish_job(store, plain, [1])
    assert deliveries(store, plain) == []


def test_a_worker_that_lost_its_job_queues_nothing(store: SqlStore) -> None:
    from kairos.domain.finish import JobOutcome
    from kairos.domain.jobs import JobStatus
    from kairos.timeutil import utcnow

    schedule = schedule_with_webhook(store, URL)
    job = store.fire_now(schedule.workspace_id, schedule.id, utcnow())
    store.claim_jobs("worker-a", utcnow(), 10, 30)
    store.cancel_job(schedule.workspace_id, job.id, utcnow())
    assert not finish(store, job, "worker-a", JobOutcome(status=JobStatus.COMPLETED, result=[1]), utcnow())
    assert deliveries(store, schedule) == []


def test_removing_the_webhook_stops_new_deliveries(store: SqlStore) -> None:
    import dataclasses

    schedule = schedule_with_webhook(store, URL)
    store.update_schedule(schedule.workspace_id, schedule.id,
                          lambda s: dataclasses.replace(s, webhook_url=None, webhook_type=None))
    finish_job(store, schedule, [1])
    assert deliveries(store, schedule) == []


def test_a_job_whose_workers_keep_vanishing_is_reported_as_failed_once(store: SqlStore) -> None:
    from datetime import timedelta

    from kairos.domain.finish import CRASH_LIMIT
    from kairos.timeutil import utcnow

    schedule = schedule_with_webhook(store, URL)
    job = store.fire_now(schedule.workspace_id, schedule.id, utcnow())
    now = utcnow()
    for crash in range(1, CRASH_LIMIT + 1):
        # Each retry after a crash waits its backoff; an hour later it is long due.
        now += timedelta(hours=1)
        assert [j.id for j in store.claim_jobs(f"worker-{crash}", now, 10, 1)] == [job.id]
        assert JobFinisher(store).reap(now + timedelta(seconds=5)) == 1
        # Retries after a crash are not the job's end: nobody is told until the last.
        assert len(deliveries(store, schedule)) == (1 if crash == CRASH_LIMIT else 0)
    [delivery] = deliveries(store, schedule)
    body = json.loads(delivery.body)
    assert body["event"] == "job.failed" and body["job_id"] == job.id
    assert "stopped responding" in body["error_message"]
