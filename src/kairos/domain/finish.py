"""How a job ends: what its run reported (`JobOutcome`) and what follows (`plan_finish`). Pure.

Like `plan_fires` for the fire path, `plan_finish` decides everything a job's end implies — its
next status, a retry and its time, the error text, whether the schedule's webhook is told — from
the job, the outcome and the instant alone. The worker, the lease reaper and any outside outcome
source (an executor's event receiver) plan with it; the store writes the plan in one
transaction (`Store.finish_job`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from kairos.domain.jobs import Job, JobStatus
from kairos.timeutil import ensure_aware

# A job whose worker vanished this many times is failed instead of being run again: a job that
# kills its worker (out of memory, a segfault in an extension) must not take workers down forever.
CRASH_LIMIT = 3
# No retry waits longer than a week, however many attempts came before.
MAX_RETRY_DELAY_SECONDS = 7 * 86400
# Retries after a vanished worker wait `retry_delay_seconds * 2^(crash-1)`, at most this long.
MAX_CRASH_DELAY_SECONDS = 3600


class CancelReason(StrEnum):
    """Why a run stopped before it ended by itself."""

    REQUESTED = "requested"  # a user cancelled the job (the API wrote `cancelled` already)
    TIMEOUT = "timeout"  # it ran past its `timeout_seconds`
    SHUTDOWN = "shutdown"  # its worker is stopping cleanly
    LEASE_LOST = "lease_lost"  # its worker no longer holds the job (another owns it now)
    WORKER_LOST = "worker_lost"  # its worker vanished: the lease expired without a renewal


ENDED = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True, kw_only=True)
class JobOutcome:
    """How one run ended, as whoever ran it saw it: completed, failed or cancelled (with why)."""

    status: JobStatus
    result: Any = None
    error_message: str | None = None
    cancel_reason: CancelReason | None = None
    progress: dict[str, Any] | None = None  # the last progress report, saved with the end
    # The items a job produced, when its kind lists them apart from its result (scrape): stored
    # per job, compared with the previous run, and sent to the webhook. None means "the result is
    # the list". The store derives `item_count` and `content_hash` from them.
    items: list[Any] | None = None
    # False when running it again could run it twice: an outside executor's task whose outcome
    # never came back may have run. Such a failure is final, whatever attempts remain.
    retryable: bool = True

    def __post_init__(self) -> None:
        if self.status not in ENDED:
            raise ValueError(f"an outcome is completed, failed or cancelled, not {self.status}")
        if (self.status == JobStatus.CANCELLED) != (self.cancel_reason is not None):
            raise ValueError("a cancelled outcome, and only one, carries a cancel_reason")

    @classmethod
    def cancelled(cls, reason: CancelReason, progress: dict[str, Any] | None = None) -> JobOutcome:
        return cls(status=JobStatus.CANCELLED, cancel_reason=reason, progress=progress)

    @classmethod
    def worker_lost(cls) -> JobOutcome:
        """What the lease reaper knows of a job whose worker vanished."""
        return cls.cancelled(CancelReason.WORKER_LOST)


class FinishAction(StrEnum):
    COMPLETE = "complete"
    FAIL = "fail"
    RETRY = "retry"  # pending again, from `run_after`
    CANCEL = "cancel"
    DROP = "drop"  # nothing to write: the job is no longer this run's to end


@dataclass(frozen=True, kw_only=True)
class WebhookNotice:
    """The schedule's webhook is told of this end; the body is `domain.webhooks.webhook_body`."""

    event: str  # "job.completed" | "job.failed"
    job_id: str
    schedule_id: str
    workspace_id: str
    status: JobStatus
    completed_at: datetime
    error_message: str | None


@dataclass(frozen=True, kw_only=True)
class FinishPlan:
    """Everything a job's end writes. `attempt`/`crashes` are the job's counters afterwards;
    the store writes the plan only if the job still has the counters it was planned from."""

    job_id: str
    schedule_id: str | None
    action: FinishAction
    reason: CancelReason | None
    from_attempt: int
    from_crashes: int
    attempt: int
    crashes: int
    run_after: datetime | None = None  # RETRY: when it may run again
    completed_at: datetime | None = None  # COMPLETE, FAIL, CANCEL
    error_message: str | None = None
    result: Any = None
    items: list[Any] | None = None
    progress: dict[str, Any] | None = None
    webhook: WebhookNotice | None = None

    def __post_init__(self) -> None:
        for name in ("run_after", "completed_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, ensure_aware(value, name))

    @property
    def status(self) -> JobStatus | None:
        """The job's status once written; None for DROP (it stays whatever it is)."""
        return _STATUS_OF.get(self.action)

    @property
    def needs_expired_lease(self) -> bool:
        """A vanished worker's plan holds only while the lease is still expired when written."""
        return self.reason == CancelReason.WORKER_LOST


_STATUS_OF = {
    FinishAction.COMPLETE: JobStatus.COMPLETED,
    FinishAction.FAIL: JobStatus.FAILED,
    FinishAction.RETRY: JobStatus.PENDING,
    FinishAction.CANCEL: JobStatus.CANCELLED,
}
WORKER_LOST_MESSAGE = ("the worker running this job stopped responding (its lease expired); it was "
                       "probably killed or lost its database connection")


def retry_delay(job: Job, count: int) -> timedelta:
    """The wait before retry number `count` (1-based): `retry_delay_seconds * 2^(count-1)`,
    at most `MAX_RETRY_DELAY_SECONDS` (100 attempts of a day's delay would not fit a datetime)."""
    return timedelta(seconds=min(job.retry_delay_seconds * 2 ** (count - 1), MAX_RETRY_DELAY_SECONDS))


def plan_finish(job: Job, outcome: JobOutcome, now: datetime, *, crash_limit: int = CRASH_LIMIT) -> FinishPlan:
    """What the end of `job`'s current run implies, given how it ended and the time now.

    - completed: COMPLETE; the webhook is told.
    - failed: RETRY after the backoff while attempts remain (using one up), else FAIL (told); a
      failure that is not `retryable` is a FAIL at once.
    - cancelled, by reason: REQUESTED ends as CANCEL (never told: a user did it); TIMEOUT is a
      FAIL ("timed out after N seconds", told); SHUTDOWN is a RETRY now that uses no attempt (it
      is not the task's failure); LEASE_LOST is a DROP (the job belongs to someone else now);
      WORKER_LOST is a RETRY after the backoff that uses no attempt but counts a crash, until
      `crash_limit` crashes make it a FAIL (told).
    """
    now = ensure_aware(now, "now")
    base: dict[str, Any] = {
        "job_id": job.id, "schedule_id": job.schedule_id, "reason": outcome.cancel_reason,
        "from_attempt": job.attempt, "from_crashes": job.crashes, "attempt": job.attempt,
        "crashes": job.crashes, "progress": outcome.progress,
    }

    def ended(action: FinishAction, *, error: str | None, result: Any = None,
              items: list[Any] | None = None) -> FinishPlan:
        status = _STATUS_OF[action]
        webhook = None
        # Only an end the schedule's owner asked to hear of: one-off jobs have no webhook.
        if action in (FinishAction.COMPLETE, FinishAction.FAIL) and job.schedule_id is not None:
            webhook = WebhookNotice(
                event="job.completed" if action == FinishAction.COMPLETE else "job.failed",
                job_id=job.id, schedule_id=job.schedule_id, workspace_id=job.workspace_id,
                status=status, completed_at=now, error_message=error,
            )
        return FinishPlan(**base, action=action, completed_at=now, error_message=error,
                          result=result, items=items, webhook=webhook)

    def retry(at: datetime, error: str, **counters: int) -> FinishPlan:
        return FinishPlan(**{**base, **counters}, action=FinishAction.RETRY, run_after=at,
                          error_message=error)

    if outcome.status == JobStatus.COMPLETED:
        return ended(FinishAction.COMPLETE, error=None, result=outcome.result, items=outcome.items)
    if outcome.status == JobStatus.FAILED:
        message = outcome.error_message or "failed"
        if outcome.retryable and job.attempt < job.max_attempts:
            return retry(now + retry_delay(job, job.attempt), f"attempt {job.attempt} failed: {message}",
                         attempt=job.attempt + 1)
        return ended(FinishAction.FAIL, error=message, result=outcome.result)
    reason = outcome.cancel_reason
    if reason == CancelReason.REQUESTED:
        return FinishPlan(**base, action=FinishAction.CANCEL, completed_at=now,
                          error_message="cancelled by request")
    if reason == CancelReason.TIMEOUT:
        return ended(FinishAction.FAIL, error=f"timed out after {job.timeout_seconds} seconds")
    if reason == CancelReason.SHUTDOWN:
        return retry(now, "interrupted by a worker shutdown; running it again")
    if reason == CancelReason.LEASE_LOST:
        return FinishPlan(**base, action=FinishAction.DROP)
    crashes = job.crashes + 1
    if crashes < crash_limit:
        wait = min(retry_delay(job, crashes), timedelta(seconds=MAX_CRASH_DELAY_SECONDS))
        return retry(now + wait, f"{WORKER_LOST_MESSAGE}; running it again (crash {crashes}; "
                                 f"crash {crash_limit} fails it)", crashes=crashes)
    base["crashes"] = crashes
    return ended(FinishAction.FAIL, error=f"{WORKER_LOST_MESSAGE}; that happened {crashes} times, so it "
                                          "is not run again (a job that kills its worker would "
                                          "otherwise take workers down forever)")
