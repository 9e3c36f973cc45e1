"""A run that returns its result while a cancel is on its way: the worker stopping or a timeout a
moment too late keeps the result (running it again would repeat its effects); a user's cancel, or a
lease another worker now holds, still ends it as cancelled."""

from __future__ import annotations

import httpx
import pytest

from kairos.domain.finish import CancelReason
from kairos.domain.jobs import Job, JobStatus
from kairos.kinds.context import TaskContext
from kairos.kinds.runner import JobRunner
from kairos.kinds.spec import Produced
from kairos.timeutil import utcnow


class CancelledAtTheEnd:
    """Does its work, then the cancel arrives just before it returns."""

    def __init__(self, reason: CancelReason) -> None:
        self.reason = reason

    def run(self, job: Job, ctx: TaskContext) -> Produced:
        ctx.cancel(self.reason)
        return Produced(result={"sent": 1})


def outcome(reason: CancelReason):  # type: ignore[no-untyped-def]
    runner = JobRunner({"task": CancelledAtTheEnd(reason)}, http_client=httpx.Client)
    job = Job(id="job_race", workspace_id="ws", schedule_id=None, kind="task", payload={},
              status=JobStatus.RUNNING, run_after=utcnow(), created_at=utcnow())
    ctx = TaskContext(job_id=job.id, workspace_id="ws", schedule_id=None, attempt=1, scheduled_for=None)
    return runner.run(job, ctx)


@pytest.mark.parametrize("reason", [CancelReason.SHUTDOWN, CancelReason.TIMEOUT])
def test_a_result_that_arrived_keeps_the_run_completed(reason: CancelReason) -> None:
    ended = outcome(reason)
    assert ended.status == JobStatus.COMPLETED and ended.result == {"sent": 1}


@pytest.mark.parametrize("reason", [CancelReason.REQUESTED, CancelReason.LEASE_LOST])
def test_a_users_cancel_or_a_lost_lease_still_cancels(reason: CancelReason) -> None:
    ended = outcome(reason)
    assert ended.status == JobStatus.CANCELLED and ended.cancel_reason == reason
