"""Runs one job of any kind and turns what happened into a `JobOutcome`."""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from kairos.domain.items import canonical_json
from kairos.domain.jobs import Job, JobStatus
from kairos.exceptions import JobCancelled, KairosError
from kairos.kinds.callback import run_callback
from kairos.kinds.context import TaskContext
from kairos.kinds.registry import Registry
from kairos.kinds.scrape.fetch import Fetcher
from kairos.kinds.scrape.run import ScrapeFailed, ScrapeOutcome, StrategyLookup, run_scrape
from kairos.kinds.task import run_task
from kairos.store.base import JobOutcome

MAX_RESULT_BYTES = 1024 * 1024


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
    """Knows every kind; the worker hands it jobs and gets outcomes back."""

    def __init__(
        self, tasks: Registry, workflows: Registry, http_client: Callable[[], httpx.Client],
        *, strategies: StrategyLookup | None = None, fetcher: Fetcher | None = None,
    ) -> None:
        self.tasks = tasks
        self.workflows = workflows
        self.http_client = http_client
        self.strategies = strategies
        # One fetcher for every job, so that its per-host limits hold across concurrent scrapes.
        self.fetcher = fetcher or Fetcher()

    def context_for(self, job: Job) -> TaskContext:
        return TaskContext(
            job_id=job.id, workspace_id=job.workspace_id, schedule_id=job.schedule_id,
            attempt=job.attempt, scheduled_for=job.scheduled_for, http_client=self.http_client,
        )

    def execute(self, job: Job, ctx: TaskContext) -> Any:
        if job.kind == "task":
            return run_task(self.tasks, job.payload, ctx)
        if job.kind == "callback":
            return run_callback(self.workflows, job.payload, ctx)
        if job.kind == "scrape" and self.strategies is not None:
            deadline = time.monotonic() + job.timeout_seconds if job.timeout_seconds else None
            return run_scrape(job.payload, ctx, strategies=self.strategies, fetcher=self.fetcher,
                              http_client=self.http_client, deadline=deadline)
        raise KairosError(f"jobs of kind {job.kind!r} are not available in this version")

    def run(self, job: Job, ctx: TaskContext, now: Callable[[], datetime]) -> JobOutcome:
        try:
            value = self.execute(job, ctx)
        except JobCancelled as exc:
            return JobOutcome(status=JobStatus.CANCELLED, error_message=str(exc))
        except Exception as exc:
            message = _describe(exc)
            if ctx.cancelled:
                return JobOutcome(status=JobStatus.CANCELLED, error_message=ctx.cancel_reason)
            # A scrape where every URL failed still reports each URL's error in its result.
            failed_result = _storable(exc.outcome.result) if isinstance(exc, ScrapeFailed) else None
            if job.attempt < job.max_attempts:
                delay = job.retry_delay_seconds * 2 ** (job.attempt - 1)
                return JobOutcome(
                    status=JobStatus.PENDING,
                    error_message=f"attempt {job.attempt} failed: {message}",
                    retry_at=now() + timedelta(seconds=delay),
                )
            return JobOutcome(status=JobStatus.FAILED, error_message=message, result=failed_result)
        if ctx.cancelled:
            return JobOutcome(status=JobStatus.CANCELLED, error_message=ctx.cancel_reason)
        if isinstance(value, ScrapeOutcome):
            # The items are stored on their own; the result keeps the per-URL report.
            return JobOutcome(status=JobStatus.COMPLETED, result=_storable(value.result),
                              items=json.loads(canonical_json(value.items)))
        # The result is the items (a list, one value, or none); the store counts and hashes them.
        return JobOutcome(status=JobStatus.COMPLETED, result=_storable(value))
