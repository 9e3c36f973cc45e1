"""The store writes a job's `FinishPlan` as it is, in one transaction, for its holder only.

Also the outside-executor path: a job handed over by the worker is ended later by whoever
received its outcome, through the same plan-and-write as the worker's own jobs.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from kairos.domain.finish import CancelReason, FinishAction, JobOutcome, plan_finish
from kairos.domain.jobs import Job, JobStatus
from kairos.engine.finish import JobFinisher
from kairos.engine.worker import Worker
from kairos.kinds.catalog import KINDS
from kairos.kinds.context import TaskContext
from kairos.kinds.registry import Registry
from kairos.kinds.runner import JobRunner
from kairos.kinds.spec import Dispatched, KindServices
from kairos.outbound import make_client
from kairos.settings import Settings
from kairos.store.base import Page
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.helpers import make_schedule, workspace_id

T0 = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)
HOOK = "http://127.0.0.1:9/hook"
NO_TASKS = Registry("task")


def claimed(store: SqlStore, **fields: Any) -> Job:
    """The job of a fresh hourly schedule with a webhook, fired and claimed by `w1` at T0."""
    ws = workspace_id(store, now=T0)
    schedule = make_schedule(ws, T0, interval_seconds=3600, **fields)
    # Nothing is sent here (no deliverer runs): the receiver's address only needs to be set.
    schedule = dataclasses.replace(schedule, webhook_url=HOOK, webhook_type="standard",
                                   webhook_secret="whsec_" + "A" * 32)
    store.add_schedules([schedule])
    store.fire_now(ws, schedule.id, T0)
    (job,) = store.claim_jobs("w1", T0, 1, 30)
    return job


def deliveries(store: SqlStore, job: Job) -> list[Any]:
    assert job.schedule_id is not None
    return store.list_deliveries(job.workspace_id, job.schedule_id, Page(limit=10)).items


def test_a_complete_plan_writes_the_items_the_comparison_and_the_delivery(store: SqlStore) -> None:
    job = claimed(store)
    outcome = JobOutcome(status=JobStatus.COMPLETED, result={"pages": []}, items=[{"n": 1}, {"n": 2}])
    plan = plan_finish(job, outcome, T0 + timedelta(seconds=3))
    assert store.finish_job(plan, "w1", T0 + timedelta(seconds=3))
    done = store.get_job(job.workspace_id, job.id)
    assert (done.status, done.item_count, done.has_changes, done.completed_at) == (
        "completed", 2, True, T0 + timedelta(seconds=3))
    assert store.job_items(job.id) == [{"n": 1}, {"n": 2}]
    [delivery] = deliveries(store, job)
    body = json.loads(delivery.body)
    assert (body["event"], body["results"], body["content_hash"]) == (
        "job.completed", [{"n": 1}, {"n": 2}], done.content_hash)
    assert delivery.summary["added_count"] == 2
    # Written once: the same plan again finds the job no longer running.
    assert not store.finish_job(plan, "w1", T0 + timedelta(seconds=4))
    assert len(deliveries(store, job)) == 1


def test_a_retry_plan_frees_the_job_until_its_time(store: SqlStore) -> None:
    job = claimed(store, max_attempts=2, retry_delay_seconds=20)
    plan = plan_finish(job, JobOutcome(status=JobStatus.FAILED, error_message="boom"), T0)
    assert plan.action == FinishAction.RETRY
    assert store.finish_job(plan, "w1", T0)
    pending = store.get_job(job.workspace_id, job.id)
    assert (pending.status, pending.attempt, pending.run_after) == ("pending", 2, T0 + timedelta(seconds=20))
    assert deliveries(store, job) == []
    assert store.claim_jobs("w2", T0 + timedelta(seconds=19), 1, 30) == []
    assert [j.id for j in store.claim_jobs("w2", T0 + timedelta(seconds=20), 1, 30)] == [job.id]


def test_a_plan_is_written_only_for_the_run_it_was_made_for(store: SqlStore) -> None:
    job = claimed(store)
    stale = dataclasses.replace(job, attempt=job.attempt + 1)
    done = JobOutcome(status=JobStatus.COMPLETED)
    assert not store.finish_job(plan_finish(stale, done, T0), "w1", T0)
    assert not store.finish_job(plan_finish(job, done, T0), "w2", T0)
    drop = plan_finish(job, JobOutcome.cancelled(CancelReason.LEASE_LOST), T0)
    assert not store.finish_job(drop, "w1", T0)
    assert store.get_job(job.workspace_id, job.id).status == "running"
    assert store.finish_job(plan_finish(job, done, T0), "w1", T0)


def test_a_notice_for_a_schedule_whose_webhook_was_removed_queues_nothing(store: SqlStore) -> None:
    job = claimed(store)
    assert job.schedule_id is not None
    store.update_schedule(job.workspace_id, job.schedule_id,
                          lambda s: dataclasses.replace(s, webhook_url=None, webhook_type=None))
    plan = plan_finish(job, JobOutcome(status=JobStatus.FAILED, error_message="boom"), T0)
    assert plan.webhook is not None
    assert store.finish_job(plan, "w1", T0)
    assert store.get_job(job.workspace_id, job.id).status == "failed"
    assert deliveries(store, job) == []


def test_a_handed_over_job_is_ended_by_its_executors_report(store: SqlStore) -> None:
    job = claimed(store)
    assert store.hand_over_job(job.id, "w1", "celery:test", "task-123", None, T0)
    # Handed over: the worker cannot end it any more, and without a lease end it is never reaped.
    assert not store.finish_job(plan_finish(job, JobOutcome(status=JobStatus.COMPLETED), T0), "w1", T0)
    assert JobFinisher(store).reap(T0 + timedelta(days=1)) == 0
    finisher = JobFinisher(store)
    ws = job.workspace_id
    assert finisher.finish_reported(ws, "task-123", "celery:other", JobOutcome(status=JobStatus.COMPLETED)) is None
    plan = finisher.finish_reported(job.workspace_id, "task-123", "celery:test",
                                    JobOutcome(status=JobStatus.COMPLETED, result=[1, 2]), T0 + timedelta(seconds=5))
    assert plan is not None and plan.action == FinishAction.COMPLETE
    done = store.get_job(job.workspace_id, job.id)
    assert (done.status, done.result, done.task_id, done.item_count) == ("completed", [1, 2], "task-123", 2)
    assert json.loads(deliveries(store, job)[0].body)["results"] == [1, 2]
    # A late duplicate report changes nothing.
    assert finisher.finish_reported(ws, "task-123", "celery:test", JobOutcome(status=JobStatus.COMPLETED)) is None


def test_a_report_names_a_job_of_its_own_workspace_only(store: SqlStore) -> None:
    job = claimed(store)
    assert store.hand_over_job(job.id, "w1", "celery:test", "task-123", None, T0)
    other = workspace_id(store, "other", now=T0)
    schedule = make_schedule(other, T0, interval_seconds=3600)
    store.add_schedules([schedule])
    store.fire_now(other, schedule.id, T0)
    (theirs,) = store.claim_jobs("w2", T0, 1, 30)
    # The other workspace's fleet reports the same task id (task ids come from outside).
    assert store.hand_over_job(theirs.id, "w2", "celery:test", "task-123", None, T0)
    assert store.find_job_by_task_id(job.workspace_id, "task-123") == store.get_job(job.workspace_id, job.id)
    finisher = JobFinisher(store)
    assert finisher.finish_reported(other, "task-123", "celery:test", JobOutcome(status=JobStatus.COMPLETED))
    assert store.get_job(job.workspace_id, job.id).status == "running"
    assert store.get_job(other, theirs.id).status == "completed"


class QueueExecutor:
    """An outside executor on loopback terms: it takes the job and reports later, elsewhere."""

    def __init__(self) -> None:
        self.published: list[Job] = []
        self.ready = threading.Event()

    def dispatch(self, job: Job, ctx: TaskContext) -> Dispatched:
        self.published.append(job)
        self.ready.set()
        return Dispatched(owner="queue:test", task_id=f"q-{job.id}")


def test_the_worker_dispatches_to_an_executor_and_an_outside_report_ends_the_job(store: SqlStore) -> None:
    executor = QueueExecutor()
    services = KindServices(settings=Settings(), store=store, tasks=NO_TASKS, workflows=NO_TASKS,
                            http_client=lambda: make_client(allow_private_networks=False),
                            executors={"queue": executor})
    worker = Worker(store, JobRunner.build(KINDS, services), concurrency=1, lease_seconds=5,
                    poll_interval=0.05, renew_interval=0.2)
    ws = workspace_id(store)
    job = Job(id="job_dispatch", workspace_id=ws, schedule_id=None, kind="task",
              payload={"task": "kairos.echo", "args": [1], "kwargs": {}, "executor": "queue"},
              status=JobStatus.PENDING, run_after=utcnow(), created_at=utcnow())
    store.add_job(job)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        assert executor.ready.wait(10)
        deadline = time.monotonic() + 10
        while job.id in worker.running or store.get_job(ws, job.id).task_id is None:
            assert time.monotonic() < deadline, "the worker never handed the job over"
            time.sleep(0.05)
        # The slot is free while the job runs elsewhere.
        handed = store.get_job(ws, job.id)
        assert (handed.status, handed.task_id) == ("running", f"q-{job.id}")
        report = JobOutcome(status=JobStatus.FAILED, error_message="ValueError: from the queue")
        assert JobFinisher(store).finish_reported(ws, f"q-{job.id}", "queue:test", report) is not None
        failed = store.get_job(ws, job.id)
        assert (failed.status, failed.error_message) == ("failed", "ValueError: from the queue")
    finally:
        worker.stop()
        thread.join(15)

