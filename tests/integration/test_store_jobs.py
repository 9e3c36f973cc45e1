"""The workers' store contract: claims are leases, cancels reach workers, lost work is resolved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kairos.domain.definition import build_job
from kairos.domain.finish import CRASH_LIMIT, JobOutcome, plan_finish
from kairos.domain.jobs import Job, JobStatus
from kairos.engine.finish import JobFinisher
from kairos.exceptions import Conflict, JobNotFound
from kairos.ids import new_id
from kairos.kinds.catalog import KINDS
from kairos.store.base import JobFilters, Page
from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.helpers import finish, make_schedule, workspace_id

T0 = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)


def one_off(store: SqlStore, ws: str, **fields: object) -> Job:
    job = build_job({"task": "kairos.echo", **fields}, job_id=new_id("job"), workspace_id=ws, now=T0,
                    kinds=KINDS.rulebook)
    store.add_job(job)
    return job


def test_a_job_is_claimed_by_one_worker_only(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    job = one_off(store, ws)
    assert [j.id for j in store.claim_jobs("w1", T0, 5, 30)] == [job.id]
    assert store.claim_jobs("w2", T0, 5, 30) == []
    claimed = store.get_job(ws, job.id)
    assert claimed.status == "running" and claimed.started_at == T0


def test_finish_records_the_outcome_for_the_lease_holder_only(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    job = one_off(store, ws)
    store.claim_jobs("w1", T0, 5, 30)
    outcome = JobOutcome(status=JobStatus.COMPLETED, result={"ok": 1})
    assert finish(store, job, "w2", outcome, T0) is False
    assert finish(store, job, "w1", outcome, T0 + timedelta(seconds=2)) is True
    done = store.get_job(ws, job.id)
    assert (done.status, done.result, done.duration_seconds) == ("completed", {"ok": 1}, 2.0)


def test_cancel_reaches_the_worker_and_keeps_progress(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    job = one_off(store, ws)
    store.claim_jobs("w1", T0, 5, 30)
    assert store.renew_leases("w1", {job.id: {"current": 3}}, [job.id], T0, 30) == set()
    store.cancel_job(ws, job.id, T0 + timedelta(seconds=1))
    assert store.renew_leases("w1", {}, [job.id], T0 + timedelta(seconds=2), 30) == {job.id}
    outcome = JobOutcome(status=JobStatus.COMPLETED, result="late")
    assert finish(store, job, "w1", outcome, T0 + timedelta(seconds=3)) is False
    cancelled = store.get_job(ws, job.id)
    assert cancelled.status == "cancelled"
    assert cancelled.progress == {"current": 3}
    with pytest.raises(Conflict):
        store.cancel_job(ws, job.id, T0)


def test_an_expired_lease_is_retried_without_using_an_attempt(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    job = one_off(store, ws, max_attempts=1, retry_delay_seconds=10)
    store.claim_jobs("w1", T0, 5, 10)
    reaper = JobFinisher(store)
    assert reaper.reap(T0 + timedelta(seconds=5)) == 0
    assert reaper.reap(T0 + timedelta(seconds=11)) == 1
    retried = store.get_job(ws, job.id)
    # A crash is not the task's failure: its one attempt is still the first, after a backoff.
    assert (retried.status, retried.attempt, retried.crashes) == ("pending", 1, 1)
    assert retried.run_after == T0 + timedelta(seconds=21)
    assert "stopped responding" in (retried.error_message or "")
    # The vanished worker cannot end the job it lost.
    assert not finish(store, job, "w1", JobOutcome(status=JobStatus.COMPLETED), T0 + timedelta(seconds=12))


def test_a_job_that_keeps_killing_its_worker_is_failed_at_the_crash_limit(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    job = one_off(store, ws, max_attempts=5, retry_delay_seconds=10)
    now = T0
    for crash in range(1, CRASH_LIMIT + 1):
        (claimed,) = store.claim_jobs(f"w{crash}", now, 5, 10)
        assert (claimed.id, claimed.crashes) == (job.id, crash - 1)
        now += timedelta(seconds=11)
        assert JobFinisher(store).reap(now) == 1
        now = store.get_job(ws, job.id).run_after
    failed = store.get_job(ws, job.id)
    assert (failed.status, failed.attempt, failed.crashes) == ("failed", 1, CRASH_LIMIT)
    assert f"that happened {CRASH_LIMIT} times" in (failed.error_message or "")


def test_a_worker_that_comes_back_before_the_reaper_keeps_its_job(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    job = one_off(store, ws)
    store.claim_jobs("w1", T0, 5, 10)
    # The reaper read the job while its lease was expired...
    [(stale, owner)] = store.expired_leases(T0 + timedelta(seconds=11), 10)
    # ...but the worker renewed it before the reaper wrote its plan.
    assert store.renew_leases("w1", {}, [job.id], T0 + timedelta(seconds=11), 10) == set()
    plan = plan_finish(stale, JobOutcome.worker_lost(), T0 + timedelta(seconds=12))
    assert store.finish_job(plan, owner, T0 + timedelta(seconds=12)) is False
    assert store.get_job(ws, job.id).status == "running"


def test_a_failed_attempt_is_retried_after_its_backoff(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    job = one_off(store, ws, max_attempts=3)
    (claimed,) = store.claim_jobs("w1", T0, 5, 30)
    assert finish(store, claimed, "w1", JobOutcome(status=JobStatus.FAILED, error_message="boom"), T0)
    pending = store.get_job(ws, job.id)
    assert (pending.status, pending.error_message) == ("pending", "attempt 1 failed: boom")
    assert store.claim_jobs("w1", T0 + timedelta(seconds=29), 5, 30) == []
    (again,) = store.claim_jobs("w1", T0 + timedelta(seconds=30), 5, 30)
    assert again.attempt == 2
    # The plan made for attempt 1 cannot land on attempt 2.
    assert not finish(store, claimed, "w1", JobOutcome(status=JobStatus.COMPLETED), T0 + timedelta(seconds=31))
    assert finish(store, again, "w1", JobOutcome(status=JobStatus.FAILED, error_message="boom"),
                  T0 + timedelta(seconds=31))
    (third,) = store.claim_jobs("w1", T0 + timedelta(seconds=91), 5, 30)
    assert third.attempt == 3
    assert finish(store, third, "w1", JobOutcome(status=JobStatus.FAILED, error_message="boom"),
                  T0 + timedelta(seconds=92))
    failed = store.get_job(ws, job.id)
    assert (failed.status, failed.error_message, failed.completed_at) == (
        "failed", "boom", T0 + timedelta(seconds=92))


def test_queue_one_job_waits_for_the_running_one(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    schedule = make_schedule(ws, T0, interval_seconds=10, overlap_policy="queue_one")
    store.add_schedules([schedule])
    store.fire_due(T0 + timedelta(seconds=10), 10)
    (first,) = store.claim_jobs("w1", T0 + timedelta(seconds=10), 5, 30)
    batch = store.fire_due(T0 + timedelta(seconds=20), 10)
    assert batch.jobs == 1
    assert store.claim_jobs("w1", T0 + timedelta(seconds=20), 5, 30) == []
    finish(store, first, "w1", JobOutcome(status=JobStatus.COMPLETED), T0 + timedelta(seconds=21))
    (queued,) = store.claim_jobs("w1", T0 + timedelta(seconds=21), 5, 30)
    assert queued.scheduled_for == T0 + timedelta(seconds=20)


def test_has_changes_compares_with_the_previous_completed_job(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    schedule = make_schedule(ws, T0, interval_seconds=10, overlap_policy="allow")
    store.add_schedules([schedule])
    seen = []
    for step, result in enumerate(["a", "a", "b"], start=1):
        now = T0 + timedelta(seconds=10 * step)
        store.fire_due(now, 10)
        (job,) = store.claim_jobs("w1", now, 5, 30)
        finish(store, job, "w1", JobOutcome(status=JobStatus.COMPLETED, result=result), now)
        seen.append(store.get_job(ws, job.id).has_changes)
    assert seen == [True, False, True]


def test_jobs_list_filters_and_pages(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    made = [one_off(store, ws) for _ in range(5)]
    store.claim_jobs("w1", T0, 2, 30)
    first = store.list_jobs(ws, JobFilters(), Page(limit=2))
    assert first.total == 5 and first.has_more and first.next_cursor
    second = store.list_jobs(ws, JobFilters(), Page(limit=2, cursor=first.next_cursor))
    third = store.list_jobs(ws, JobFilters(), Page(limit=2, offset=4))
    ids = [j.id for j in first.items + second.items + third.items]
    assert ids == [j.id for j in reversed(made)]
    assert store.list_jobs(ws, JobFilters(status="running"), Page()).total == 2


def test_other_workspaces_cannot_see_the_job(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    other = workspace_id(store, "other", now=T0)
    job = one_off(store, ws)
    with pytest.raises(JobNotFound):
        store.get_job(other, job.id)
    with pytest.raises(JobNotFound):
        store.cancel_job(other, job.id, T0)
    assert store.list_jobs(other, JobFilters(), Page()).total == 0
