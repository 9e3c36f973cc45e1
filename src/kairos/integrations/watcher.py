"""The link watcher: one loop that keeps an event receiver per linked Celery broker and settles outcomes.

Each step it (re)starts a receiver for every celery-beat link with a broker (and stops those of
links gone or changed), settles the claims of beats whose lease ran out, asks the result backend
about jobs still waiting for their outcome, and gives up on jobs past the outcome timeout:
"outcome unknown". Receivers run in their own threads and reconnect on their own; this loop
restarts one whose thread died.

A beat's claim whose lease ran out (the beat was killed, hung, or could not report) goes back to
the beat queue only when nothing says the task was received: no worker event adopted it within
`BEAT_GRACE` and the result backend, if the link has one, knows no state for it. When the event
stream was not up the whole time (or the workers send no task events) that silence proves
nothing, and the fire is published again all the same: at least once, never lost. A message that
waits in the broker longer than the lease and the grace (every worker busy or stopped) is
likewise published a second time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from kairos.domain.finish import CancelReason, JobOutcome
from kairos.domain.jobs import JobStatus
from kairos.domain.links import SchedulerLink, beat_queue, celery_owner
from kairos.engine.finish import JobFinisher
from kairos.engine.loop import StepLoop
from kairos.exceptions import KairosError
from kairos.integrations.apscheduler.runs import record_runs
from kairos.integrations.celery.events import EventRecorder, Receiver
from kairos.integrations.celery.publish import CeleryApps
from kairos.integrations.guard import SourcePolicy, check_urls
from kairos.store.base import Store

log = logging.getLogger(__name__)
# Ask the result backend about a job once it has waited this long for an event.
RESULT_BACKEND_AFTER = timedelta(seconds=10)
# How long one pass may spend asking a link's result backend (its questions are serial).
RECONCILE_BUDGET_SECONDS = 10.0
# A beat's expired claim waits this long for the worker's events before it goes back to the queue.
BEAT_GRACE = timedelta(seconds=5)
BACKEND_STATES = {"SUCCESS": JobStatus.COMPLETED, "FAILURE": JobStatus.FAILED, "REVOKED": JobStatus.CANCELLED}


class LinkWatcher(StepLoop):
    loop_name = "links"

    def __init__(self, store: Store, finisher: JobFinisher, apps: CeleryApps, policy: SourcePolicy, *,
                 outcome_timeout: float, interval: float = 5.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__()
        self.store = store
        self.finisher = finisher
        self.apps = apps
        self.policy = policy
        self.outcome_timeout = outcome_timeout
        self.interval = interval
        self.clock = clock
        self.receivers: dict[str, tuple[SchedulerLink, Receiver]] = {}

    def _noted(self, link: SchedulerLink, what: str, now: datetime, work: Callable[[], object]) -> bool:
        """Do one link's `work`; any error is noted on that link (`state[what]`), never the loop's.

        A link is a workspace's own: its bad URL, its missing driver or its unreachable backend
        must not stop the watcher for every other workspace. False when it failed.
        """
        try:
            work()
        except Exception as exc:
            detail = exc.detail if isinstance(exc, KairosError) else f"{exc.__class__.__name__}: {exc}"
            log.info("link %s: %s: %s", link.id, what, detail)
            self.store.note_link(link.id, now=now, state={what: str(detail)[:500]})
            return False
        return True

    def _supervise(self, wanted: dict[str, SchedulerLink]) -> None:
        for link_id, (link, receiver) in list(self.receivers.items()):
            current = wanted.get(link_id)
            if current is None or current.broker_url != link.broker_url or not receiver.alive:
                receiver.stop()
                del self.receivers[link_id]
        for link_id, link in wanted.items():
            if link_id in self.receivers:
                continue
            self._noted(link, "receiver_error", self.clock(), partial(self._start_receiver, link))

    def _start_receiver(self, link: SchedulerLink) -> None:
        check_urls(link, self.policy, ("broker_url",))
        recorder = EventRecorder(self.store, self.finisher, link, clock=self.clock)
        receiver = Receiver(self.apps.app(str(link.broker_url)), recorder)
        receiver.start()
        self.receivers[link.id] = (link, receiver)

    def _reconcile(self, link: SchedulerLink, now: datetime) -> None:
        """Outcomes the events did not bring (workers without -E, a receiver that was down)."""
        if not link.result_backend:
            return
        jobs = self.store.running_celery_jobs(link.id, now - RESULT_BACKEND_AFTER)
        if not jobs:
            return
        check_urls(link, self.policy, ("broker_url", "result_backend"))  # before each connection
        app = self.apps.app(str(link.broker_url), link.result_backend)
        # Serial questions to the user's backend: the first error ends this link's pass (the loop
        # notes it), and a slow backend gets this long per pass, not 100 timeouts.
        deadline = time.monotonic() + RECONCILE_BUDGET_SECONDS
        for job in jobs:
            if time.monotonic() > deadline:
                break
            result = app.AsyncResult(job.task_id)
            status = BACKEND_STATES.get(str(result.state))
            if status is None:
                continue
            if status == JobStatus.COMPLETED:
                outcome = JobOutcome(status=status, result={"result": repr(result.result)})
            elif status == JobStatus.CANCELLED:
                outcome = JobOutcome.cancelled(CancelReason.REQUESTED)
            else:
                outcome = JobOutcome(status=status, error_message=f"{result.state}: {result.result!r}")
            self.finisher.finish(job, celery_owner(link.id), outcome, now)

    def _settle_beat_claims(self, link: SchedulerLink, now: datetime) -> None:
        """Claims whose beat's lease ran out: taken over by the link if the task was received, else
        put back in the beat queue."""
        claims = self.store.expired_beat_claims(link.id, now - BEAT_GRACE)
        if not claims:
            return
        if link.result_backend:
            check_urls(link, self.policy, ("broker_url", "result_backend"))
        backend = self.apps.app(str(link.broker_url), link.result_backend) if link.result_backend else None
        watched = self.receivers.get(link.id)
        deadline = time.monotonic() + RECONCILE_BUDGET_SECONDS  # a slow backend holds no other link up
        for job, owner in claims:
            if time.monotonic() >= deadline:
                break  # the rest are settled on the next pass
            if backend is not None and job.task_id and str(backend.AsyncResult(job.task_id).state) != "PENDING":
                # It ran (or runs, with task_track_started): its outcome ends it, from the backend.
                self.store.adopt_beat_job(link.id, job.id)
                continue
            if not self.store.return_beat_claim(link.id, job.id, owner):
                continue
            sure = watched is not None and job.started_at is not None and watched[1].saw_everything_since(
                job.started_at)
            log.warning("job %s: beat %s let its lease run out without reporting; it goes back to the "
                        "beat queue%s", job.id, owner.rsplit(":", 1)[-1],
                        "" if sure else " (no event stream proves it unpublished: it may run twice)")

    def _give_up(self, link: SchedulerLink, now: datetime) -> None:
        """Jobs that heard nothing back within the outcome timeout fail, saying the outcome is unknown.

        Whoever holds them: the fleet (no event or result came), a beat (it claimed and never
        reported), the beat queue (no beat claimed them). Not retried: the task may have run, and
        running it again could run it twice.
        """
        for job, owner in self.store.overdue_link_jobs(link.id, now - timedelta(seconds=self.outcome_timeout)):
            if owner == beat_queue(link.id):
                why = ("not published: no beat claimed it in time (is a `celery beat -S "
                       "kairos.integrations.celery:KairosScheduler` running for this workspace?)")
            elif owner.startswith("beat:"):
                why = ("outcome unknown: the beat that claimed it never reported it published, and no "
                       "worker event named it")
            else:
                why = ("outcome unknown: no Celery event or result came back in time (are the workers "
                       "running with -E, and is a result backend configured on the link?)")
            self.finisher.finish(job, owner, JobOutcome(status=JobStatus.FAILED, retryable=False,
                                                        error_message=why), now)

    def step(self) -> float:
        links = self.store.all_links()
        now = self.clock()
        for link in links:
            if link.type == "apscheduler":
                self._noted(link, "poll_error", now, partial(record_runs, self.store, link, self.policy, now))
        celery = [link for link in links if link.type == "celery-beat"]
        wanted = {link.id: link for link in celery if link.broker_url}
        self._supervise(wanted)
        now = self.clock()
        for link, receiver in self.receivers.values():
            self._noted(link, "receiver_error", now, receiver.recorder.retry_deferred)
        for link in wanted.values():
            if link.publisher == "beat":
                self._noted(link, "beat_claims_error", now, partial(self._settle_beat_claims, link, now))
            self._noted(link, "result_backend_error", now, partial(self._reconcile, link, now))
        # Every link's jobs end, with a broker or not (a link may have lost its broker_url).
        for link in celery:
            self._noted(link, "outcome_timeout_error", now, partial(self._give_up, link, now))
        return self.interval

    def drain(self) -> None:
        for _, receiver in self.receivers.values():
            receiver.stop()
        self.receivers.clear()
