"""How a job ends: `plan_finish` decides every branch from the job, the outcome and a fixed instant."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from kairos.domain.finish import (
    CRASH_LIMIT,
    MAX_CRASH_DELAY_SECONDS,
    MAX_RETRY_DELAY_SECONDS,
    CancelReason,
    FinishAction,
    JobOutcome,
    plan_finish,
)
from kairos.domain.jobs import Job, JobStatus

from .factories import at

NOW = at("2026-03-02T10:00:00Z")
STARTED = at("2026-03-02T09:59:00Z")


def job(**overrides: Any) -> Job:
    """A running job of an hourly schedule: 3 attempts, 30 s between retries, a 60 s timeout."""
    fields: dict[str, Any] = {
        "id": "job_1", "workspace_id": "ws_1", "schedule_id": "sched_1", "kind": "task",
        "payload": {"task": "reports.build"}, "status": JobStatus.RUNNING, "attempt": 1,
        "max_attempts": 3, "retry_delay_seconds": 30, "timeout_seconds": 60,
        "run_after": STARTED, "started_at": STARTED, "created_at": STARTED,
    }
    return Job(**{**fields, **overrides})


def failed(message: str = "ValueError: bad input", result: Any = None) -> JobOutcome:
    return JobOutcome(status=JobStatus.FAILED, error_message=message, result=result)


def cancelled(reason: CancelReason) -> JobOutcome:
    return JobOutcome.cancelled(reason)


def test_a_completed_run_completes_and_tells_the_webhook() -> None:
    outcome = JobOutcome(status=JobStatus.COMPLETED, result={"pages": []}, items=[{"n": 1}],
                         progress={"current": 1})
    plan = plan_finish(job(), outcome, NOW)
    assert (plan.action, plan.status, plan.completed_at) == (FinishAction.COMPLETE, JobStatus.COMPLETED, NOW)
    assert (plan.result, plan.items, plan.progress) == ({"pages": []}, [{"n": 1}], {"current": 1})
    assert (plan.attempt, plan.crashes, plan.run_after, plan.error_message) == (1, 0, None, None)
    assert plan.webhook is not None
    assert (plan.webhook.event, plan.webhook.status, plan.webhook.completed_at) == (
        "job.completed", JobStatus.COMPLETED, NOW)
    assert (plan.webhook.job_id, plan.webhook.schedule_id, plan.webhook.workspace_id) == (
        "job_1", "sched_1", "ws_1")


def test_a_one_off_job_tells_no_webhook() -> None:
    plan = plan_finish(job(schedule_id=None), JobOutcome(status=JobStatus.COMPLETED), NOW)
    assert plan.action == FinishAction.COMPLETE and plan.webhook is None
    plan = plan_finish(job(schedule_id=None, attempt=3), failed(), NOW)
    assert plan.action == FinishAction.FAIL and plan.webhook is None


@pytest.mark.parametrize(("attempt", "wait"), [(1, 30), (2, 60)])
def test_a_failure_with_attempts_left_is_retried_after_a_doubling_backoff(attempt: int, wait: int) -> None:
    plan = plan_finish(job(attempt=attempt), failed(), NOW)
    assert (plan.action, plan.status) == (FinishAction.RETRY, JobStatus.PENDING)
    assert plan.run_after == NOW + timedelta(seconds=wait)
    assert (plan.from_attempt, plan.attempt, plan.crashes) == (attempt, attempt + 1, 0)
    assert plan.error_message == f"attempt {attempt} failed: ValueError: bad input"
    assert (plan.completed_at, plan.webhook) == (None, None)


def test_the_backoff_of_many_attempts_stops_at_a_week() -> None:
    plan = plan_finish(job(attempt=99, max_attempts=100, retry_delay_seconds=86400), failed(), NOW)
    assert plan.run_after == NOW + timedelta(seconds=MAX_RETRY_DELAY_SECONDS)


def test_the_last_attempt_fails_keeps_its_report_and_tells_the_webhook() -> None:
    report = {"pages": [{"url": "https://example.com", "status": "failed"}]}
    plan = plan_finish(job(attempt=3), failed("1 of 1 URLs failed", report), NOW)
    assert (plan.action, plan.status, plan.completed_at) == (FinishAction.FAIL, JobStatus.FAILED, NOW)
    assert (plan.error_message, plan.result, plan.attempt) == ("1 of 1 URLs failed", report, 3)
    assert plan.webhook is not None
    assert (plan.webhook.event, plan.webhook.error_message) == ("job.failed", "1 of 1 URLs failed")


def test_a_single_attempt_job_fails_at_once() -> None:
    assert plan_finish(job(max_attempts=1), failed(), NOW).action == FinishAction.FAIL


def test_a_failure_that_is_not_retryable_fails_at_once_with_attempts_left() -> None:
    # An outside executor's "outcome unknown": the task may have run, so it is not sent again.
    unknown = JobOutcome(status=JobStatus.FAILED, error_message="outcome unknown", retryable=False)
    plan = plan_finish(job(attempt=1, max_attempts=3), unknown, NOW)
    assert (plan.action, plan.status, plan.attempt, plan.run_after) == (FinishAction.FAIL, JobStatus.FAILED, 1, None)
    assert plan.error_message == "outcome unknown" and plan.webhook is not None
    assert plan.webhook.event == "job.failed"


def test_a_requested_cancel_ends_cancelled_and_tells_nobody() -> None:
    plan = plan_finish(job(), cancelled(CancelReason.REQUESTED), NOW)
    assert (plan.action, plan.status, plan.reason) == (FinishAction.CANCEL, JobStatus.CANCELLED,
                                                       CancelReason.REQUESTED)
    assert (plan.error_message, plan.completed_at, plan.webhook) == ("cancelled by request", NOW, None)


def test_a_timeout_is_a_failure_that_is_reported() -> None:
    plan = plan_finish(job(), cancelled(CancelReason.TIMEOUT), NOW)
    assert (plan.action, plan.error_message, plan.attempt) == (FinishAction.FAIL,
                                                               "timed out after 60 seconds", 1)
    assert plan.webhook is not None and plan.webhook.event == "job.failed"


def test_a_shutdown_runs_the_job_again_now_without_using_an_attempt() -> None:
    plan = plan_finish(job(max_attempts=1), cancelled(CancelReason.SHUTDOWN), NOW)
    assert (plan.action, plan.run_after, plan.attempt, plan.crashes) == (FinishAction.RETRY, NOW, 1, 0)
    assert plan.error_message == "interrupted by a worker shutdown; running it again"
    assert plan.webhook is None


def test_a_lost_lease_writes_nothing() -> None:
    plan = plan_finish(job(), cancelled(CancelReason.LEASE_LOST), NOW)
    assert (plan.action, plan.status, plan.webhook) == (FinishAction.DROP, None, None)


@pytest.mark.parametrize(("crashes", "wait"), [(0, 30), (1, 60)])
def test_a_vanished_worker_retries_with_backoff_without_using_an_attempt(crashes: int, wait: int) -> None:
    plan = plan_finish(job(max_attempts=1, crashes=crashes), JobOutcome.worker_lost(), NOW)
    assert (plan.action, plan.reason) == (FinishAction.RETRY, CancelReason.WORKER_LOST)
    assert (plan.attempt, plan.from_crashes, plan.crashes) == (1, crashes, crashes + 1)
    assert plan.run_after == NOW + timedelta(seconds=wait)
    assert plan.needs_expired_lease and plan.webhook is None
    assert "stopped responding" in (plan.error_message or "")


def test_the_backoff_after_crashes_is_capped() -> None:
    plan = plan_finish(job(retry_delay_seconds=86400), JobOutcome.worker_lost(), NOW)
    assert plan.run_after == NOW + timedelta(seconds=MAX_CRASH_DELAY_SECONDS)


def test_a_job_that_keeps_killing_its_worker_fails_at_the_crash_limit() -> None:
    plan = plan_finish(job(crashes=CRASH_LIMIT - 1), JobOutcome.worker_lost(), NOW)
    assert (plan.action, plan.crashes, plan.attempt) == (FinishAction.FAIL, CRASH_LIMIT, 1)
    assert f"that happened {CRASH_LIMIT} times" in (plan.error_message or "")
    assert plan.webhook is not None and plan.webhook.event == "job.failed"


def test_the_crash_limit_can_be_set() -> None:
    assert plan_finish(job(), JobOutcome.worker_lost(), NOW, crash_limit=1).action == FinishAction.FAIL
    assert plan_finish(job(crashes=3), JobOutcome.worker_lost(), NOW, crash_limit=5).action == (
        FinishAction.RETRY)


def test_a_plan_remembers_what_it_was_made_from() -> None:
    plan = plan_finish(job(attempt=2, crashes=1), failed(), NOW)
    assert (plan.job_id, plan.schedule_id, plan.from_attempt, plan.from_crashes) == ("job_1", "sched_1", 2, 1)
    assert (plan.attempt, plan.crashes) == (3, 1)


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.RUNNING])
def test_an_outcome_is_an_end(status: JobStatus) -> None:
    with pytest.raises(ValueError, match="completed, failed or cancelled"):
        JobOutcome(status=status)


def test_a_cancelled_outcome_and_only_it_says_why() -> None:
    with pytest.raises(ValueError, match="cancel_reason"):
        JobOutcome(status=JobStatus.CANCELLED)
    with pytest.raises(ValueError, match="cancel_reason"):
        JobOutcome(status=JobStatus.FAILED, cancel_reason=CancelReason.TIMEOUT)


def test_instants_must_be_aware() -> None:
    with pytest.raises(ValueError):
        plan_finish(job(), failed(), datetime(2026, 3, 2, 10, 0))
