"""Ending jobs: plan with the pure `plan_finish`, write with `Store.finish_job`, tell who waits.

Three sources end jobs, all through `JobFinisher`:
- the worker, with the outcome of a run in its own threads (`finish`);
- the lease reaper, for jobs whose worker vanished (`reap`, called by every worker);
- an outside executor's event receiver, for jobs it was handed (`finish_reported`): a task job
  with `executor: celery` is published and its outcome arrives later, from outside any worker
  (the Celery link's `EventRecorder` ends jobs this way).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from kairos import metrics
from kairos.domain.finish import CRASH_LIMIT, FinishAction, FinishPlan, JobOutcome, plan_finish
from kairos.domain.jobs import Job
from kairos.store.base import Store
from kairos.timeutil import utcnow

log = logging.getLogger(__name__)
REAP_BATCH = 100


def _count(job: Job, plan: FinishPlan, now: datetime) -> None:
    outcome = "retry" if plan.action == FinishAction.RETRY else str(plan.status or plan.action)
    metrics.job_finished(job.kind, outcome, job.started_at, now)


class JobFinisher:
    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime] = utcnow,
        crash_limit: int = CRASH_LIMIT,
        on_finished: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.crash_limit = crash_limit
        # Told after an end that queued a webhook was written (the Runtime wakes the deliverer).
        self.on_finished = on_finished

    def finish(self, job: Job, owner: str, outcome: JobOutcome, now: datetime | None = None) -> FinishPlan | None:
        """End `job`'s run as `outcome` says, if `owner` still holds it; the plan written, or None."""
        now = now or self.clock()
        plan = plan_finish(job, outcome, now, crash_limit=self.crash_limit)
        if not self.store.finish_job(plan, owner, now):
            return None
        _count(job, plan, now)
        if plan.webhook is not None and self.on_finished is not None:
            self.on_finished()
        return plan

    def finish_reported(self, workspace_id: str, task_id: str, owner: str, outcome: JobOutcome,
                        now: datetime | None = None) -> FinishPlan | None:
        """End the workspace's job an outside executor ran as `task_id`, with the outcome it reported.

        `owner` is the one the job was handed to (`Dispatched.owner`); a report for a job that
        was cancelled, reassigned or already ended meanwhile changes nothing (None).
        """
        job = self.store.find_job_by_task_id(workspace_id, task_id)
        if job is None or job.finished:
            return None
        return self.finish(job, owner, outcome, now)

    def reap(self, now: datetime | None = None) -> int:
        """Resolve jobs whose lease expired (their worker vanished); how many were resolved."""
        now = now or self.clock()
        resolved = 0
        told = False
        for job, owner in self.store.expired_leases(now, REAP_BATCH):
            plan = plan_finish(job, JobOutcome.worker_lost(), now, crash_limit=self.crash_limit)
            if self.store.finish_job(plan, owner, now):
                resolved += 1
                _count(job, plan, now)
                told = told or plan.webhook is not None
                log.warning("job %s: its worker %s stopped responding; %s (crash %d)",
                            job.id, owner, plan.action, plan.crashes)
        if told and self.on_finished is not None:
            self.on_finished()
        return resolved
