"""The worker loop: claim pending jobs under a lease, run them in threads, report back.

Every second it renews the leases of its running jobs and saves their progress; a job that the
renewal reports as no longer its own (cancelled through the API, or given away after a lost
lease) is told to stop. Every run ends through `JobFinisher` (plan, then write), and every worker
also reaps the jobs of workers that vanished.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from kairos.domain.finish import CancelReason, JobOutcome
from kairos.domain.jobs import Job
from kairos.engine.finish import JobFinisher
from kairos.engine.loop import StepLoop
from kairos.ids import new_id
from kairos.kinds.context import TaskContext
from kairos.kinds.runner import JobRunner
from kairos.kinds.spec import Dispatched
from kairos.store.base import Store
from kairos.timeutil import utcnow

log = logging.getLogger(__name__)

# Pauses between tries to write a job's end (seconds), about 15 s in all; its lease is renewed meanwhile.
FINISH_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{new_id('w')[-8:]}"


class Worker(StepLoop):
    loop_name = "worker"

    def __init__(
        self,
        store: Store,
        runner: JobRunner,
        *,
        concurrency: int = 8,
        lease_seconds: float = 30.0,
        poll_interval: float = 0.25,
        renew_interval: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
        name: str | None = None,
        on_finished: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.runner = runner
        self.concurrency = concurrency
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.renew_interval = min(renew_interval, lease_seconds / 2)
        self.clock = clock
        self.name = name or worker_name()
        # `on_finished` is told when an end queued a webhook (the Runtime wakes the deliverer).
        self.finisher = JobFinisher(store, clock=clock, on_finished=on_finished)
        self.running: dict[str, TaskContext] = {}
        self._deadlines: dict[str, float] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="kairos-job")
        self._last_renew = 0.0
        self._last_reap = 0.0
        super().__init__()

    def cancel_local(self, job_id: str, reason: CancelReason = CancelReason.REQUESTED) -> None:
        """Tell a job running in this process to stop now (the API calls this after a cancel)."""
        with self._lock:
            ctx = self.running.get(job_id)
        if ctx is not None:
            ctx.cancel(reason)

    def process_one(self) -> bool:
        """Claim and start as many jobs as there are free slots; True if all slots were filled."""
        with self._lock:
            free = self.concurrency - len(self.running)
        if free <= 0:
            return False
        claimed = self.store.claim_jobs(self.name, self.clock(), free, self.lease_seconds)
        for job in claimed:
            self._start(job)
        return len(claimed) == free and free > 0

    def _start(self, job: Job) -> None:
        ctx = self.runner.context_for(job)
        with self._lock:
            self.running[job.id] = ctx
            if job.timeout_seconds:
                self._deadlines[job.id] = time.monotonic() + job.timeout_seconds
        future = self._pool.submit(self._run, job, ctx)
        future.add_done_callback(self._done)

    def _run(self, job: Job, ctx: TaskContext) -> None:
        try:
            outcome = self.runner.run(job, ctx)
            if isinstance(outcome, Dispatched):
                self._hand_over(job, outcome)
                return
            # The last progress report travels with the outcome: one write to end a job.
            outcome = dataclasses.replace(outcome, progress=ctx.take_progress())
            self._record(job, outcome)
        except Exception:
            log.exception("could not record the outcome of job %s", job.id)
        finally:
            with self._lock:
                self.running.pop(job.id, None)
                self._deadlines.pop(job.id, None)
            self._wake.set()

    def _record(self, job: Job, outcome: JobOutcome) -> None:
        """Write the job's end, trying again while the database is away.

        The job stays in `running` meanwhile, so `maintain` keeps renewing its lease: a run that
        ended is not taken for a crash and run again because one write failed. If the database
        stays away past the lease, the reaper decides, as it would for a vanished worker.
        """
        for delay in (*FINISH_RETRY_DELAYS, None):
            try:
                if self.finisher.finish(job, self.name, outcome) is None:
                    log.info("job %s ended after it was cancelled or reassigned; outcome dropped", job.id)
                return
            except Exception:  # the store's driver error, whichever database it is
                if delay is None:
                    raise
                log.warning("could not record the end of job %s; trying again in %.1f s", job.id, delay,
                            exc_info=True)
                time.sleep(delay)

    def _hand_over(self, job: Job, dispatched: Dispatched) -> None:
        """The job runs elsewhere now: its lease passes to the executor, whose report ends it."""
        now = self.clock()
        until = now + timedelta(seconds=dispatched.lease_seconds) if dispatched.lease_seconds else None
        if not self.store.hand_over_job(job.id, self.name, dispatched.owner, dispatched.task_id,
                                        until, now):
            log.info("job %s was cancelled or reassigned while it was being dispatched", job.id)

    @staticmethod
    def _done(future: Future[None]) -> None:
        exc = future.exception()
        if exc is not None:
            log.error("job thread crashed: %r", exc)

    def maintain(self) -> None:
        """Renew leases, save progress, stop cancelled or timed-out jobs, reap lost ones."""
        now_mono = time.monotonic()
        if now_mono - self._last_renew >= self.renew_interval:
            self._last_renew = now_mono
            with self._lock:
                contexts = dict(self.running)
                overdue = [jid for jid, deadline in self._deadlines.items() if deadline <= now_mono]
            for job_id in overdue:
                contexts[job_id].cancel(CancelReason.TIMEOUT)
            progress = {}
            for job_id, ctx in contexts.items():
                snapshot = ctx.take_progress()
                if snapshot is not None:
                    progress[job_id] = snapshot
            lost = self.store.renew_leases(
                self.name, progress, list(contexts), self.clock(), self.lease_seconds
            )
            for job_id in lost:
                contexts[job_id].cancel(CancelReason.LEASE_LOST)
        if now_mono - self._last_reap >= self.lease_seconds / 2:
            self._last_reap = now_mono
            reaped = self.finisher.reap()
            if reaped:
                log.warning("resolved %d job(s) whose worker stopped responding", reaped)

    def step(self) -> float:
        self.maintain()
        return 0.0 if self.process_one() else self.poll_interval

    def drain(self, timeout: float = 10.0) -> None:
        """On stop: let running jobs finish briefly, then cancel what is left."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self.running:
                    break
            self.maintain()
            time.sleep(0.1)
        with self._lock:
            leftovers = list(self.running.values())
        for ctx in leftovers:
            ctx.cancel(CancelReason.SHUTDOWN)
        # A sync task that never looks at its context must not hold the process: its lease
        # runs out and another worker takes the job.
        self._pool.shutdown(wait=not leftovers, cancel_futures=True)
