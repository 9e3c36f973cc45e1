"""Runs one job of any kind with its kind's runner and says how it ended (a `JobOutcome`)."""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from kairos.domain.finish import CancelReason, JobOutcome
from kairos.domain.items import canonical_json
from kairos.domain.jobs import Job, JobStatus
from kairos.exceptions import JobCancelled, KairosError
from kairos.kinds.catalog import KindCatalog
from kairos.kinds.context import TaskContext
from kairos.kinds.spec import Dispatched, KindRunner, KindServices, RunFailed, RunResult

MAX_RESULT_BYTES = 1024 * 1024

# A run that ended with its result while a cancel was on its way: the result stands (a worker
# stopping, or a timeout reached a moment too late, must not throw away work that happened and
# run it again) unless a user asked for the cancel or another worker owns the job now.
RESULT_DOES_NOT_COUNT = frozenset({CancelReason.REQUESTED, CancelReason.LEASE_LOST})


def _storable(value: Any) -> Any:
    """The result as stored: JSON-safe, and summarised when larger than 1 MiB."""
    text = canonical_json(value)
    if len(text.encode()) > MAX_RESULT_BYTES:
        return {"truncated": True, "bytes": len(text.encode()), "preview": text[:4096]}
    return json.loads(text)


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, KairosError):
        return text
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    # The file name and line help the task's author; the server's directory layout is nobody's business.
    where = f" (at {Path(frame[0].filename).name}:{frame[0].lineno})" if frame else ""
    return f"{exc.__class__.__name__}: {text}{where}"


class JobRunner:
    """Runs a job of any kind with that kind's runner; the worker hands it jobs, gets outcomes back."""

    def __init__(self, runners: Mapping[str, KindRunner], http_client: Callable[[], httpx.Client]) -> None:
        self.runners = dict(runners)
        self.http_client = http_client

    @classmethod
    def build(cls, catalog: KindCatalog, services: KindServices) -> JobRunner:
        """Every kind's runner, built once from the shared services."""
        return cls(catalog.build_runners(services), services.http_client)

    def context_for(self, job: Job) -> TaskContext:
        return TaskContext(
            job_id=job.id, workspace_id=job.workspace_id, schedule_id=job.schedule_id,
            attempt=job.attempt, scheduled_for=job.scheduled_for, http_client=self.http_client,
        )

    def execute(self, job: Job, ctx: TaskContext) -> RunResult:
        runner = self.runners.get(job.kind)
        if runner is None:
            raise KairosError(f"jobs of kind {job.kind!r} are not available in this version")
        return runner.run(job, ctx)

    def run(self, job: Job, ctx: TaskContext) -> JobOutcome | Dispatched:
        """How the run ended, as seen from here; what follows is `domain.finish.plan_finish`'s call."""
        try:
            produced = self.execute(job, ctx)
        except JobCancelled:
            return JobOutcome.cancelled(ctx.cancel_reason or CancelReason.REQUESTED)
        except Exception as exc:
            if ctx.cancelled:
                # A task stopped by its context often stops by raising what it was doing.
                return JobOutcome.cancelled(ctx.cancel_reason or CancelReason.REQUESTED)
            # A run that failed may still report (a scrape: each URL's error) in its result.
            result = _storable(exc.result) if isinstance(exc, RunFailed) else None
            return JobOutcome(status=JobStatus.FAILED, error_message=_describe(exc), result=result)
        if isinstance(produced, Dispatched):
            return produced
        if ctx.cancelled and (ctx.cancel_reason or CancelReason.REQUESTED) in RESULT_DOES_NOT_COUNT:
            return JobOutcome.cancelled(ctx.cancel_reason or CancelReason.REQUESTED)
        # Without items of its own, the result is the items (a list, one value, or none); the
        # store counts and hashes them.
        return JobOutcome(status=JobStatus.COMPLETED, result=_storable(produced.result),
                          items=produced.items)
