"""Celery's events into Kairos's record: fires of linked schedules and the outcomes of their jobs.

`EventRecorder.handle` takes one event as Celery's receiver delivers it (a dict): a `task-received`
(or `task-sent`) of a task Kairos did not publish itself is a fire of the linked schedule whose task
(and arguments) it names; `task-started`/`-retried` are progress; `task-succeeded`/`-failed`/
`-revoked` finish the job. Any event at all tells the link that its workers send events (`-E`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from kairos.domain.finish import CancelReason, JobOutcome
from kairos.domain.jobs import FireTrigger, JobStatus
from kairos.domain.links import SchedulerLink, celery_owner
from kairos.domain.schedules import Schedule
from kairos.domain.triggers import previous_fire
from kairos.engine.finish import JobFinisher
from kairos.ids import new_id
from kairos.store.base import Store

log = logging.getLogger(__name__)
STARTS = ("task-sent", "task-received")
FINISHES = {"task-succeeded": JobStatus.COMPLETED, "task-failed": JobStatus.FAILED,
            "task-revoked": JobStatus.CANCELLED}
# A beat fire is matched to the nominal instant of its schedule when it comes this close after it.
FIRE_TOLERANCE = timedelta(minutes=5)
SCHEDULES_TTL = 10.0
DEFER_FOR = timedelta(seconds=60)
NOTE_EVERY = 5.0


def _args_match(schedule: Schedule, event: dict[str, Any]) -> bool:
    """Celery events carry arguments as their repr; compare in both tuple and list spelling."""
    args = list(schedule.payload.get("args") or [])
    sent = str(event.get("args") or "")
    return sent in (repr(tuple(args)), repr(args)) or not sent


def scheduled_instant(schedule: Schedule, at: datetime) -> datetime:
    """The fire time an event seen at `at` belongs to: the trigger's latest instant, if close."""
    latest = previous_fire(schedule.trigger, at)
    if latest is not None and at - latest <= FIRE_TOLERANCE:
        return latest
    return at.replace(microsecond=0)


def outcome_of(event: dict[str, Any]) -> JobOutcome:
    status = FINISHES[str(event["type"])]
    if status == JobStatus.COMPLETED:
        return JobOutcome(status=status, result={"result": event.get("result"), "runtime": event.get("runtime")})
    if status == JobStatus.FAILED:
        return JobOutcome(status=status, error_message=str(event.get("exception") or "the task failed"),
                          result={"traceback": event.get("traceback")})
    reason = "expired" if event.get("expired") else "revoked" + (" and terminated" if event.get("terminated") else "")
    return JobOutcome(status=status, cancel_reason=CancelReason.REQUESTED,
                      error_message=f"the Celery task was {reason}")


class EventRecorder:
    """Turns one link's events into fires and outcomes."""

    def __init__(self, store: Store, finisher: JobFinisher, link: SchedulerLink, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.finisher = finisher
        self.link = link
        self.owner = celery_owner(link.id)
        self.clock = clock
        self._schedules: list[Schedule] = []
        self._schedules_at = 0.0
        self._noted_at = 0.0
        self.seen = 0
        self.task_events = 0  # task-* events: proof that the workers run with -E, not only heartbeats
        # Outcomes that came back before the worker handed its job over, tried again a while.
        self._deferred: list[tuple[dict[str, Any], datetime]] = []
        self._lock = threading.Lock()

    def _defer(self, event: dict[str, Any], now: datetime) -> None:
        if str(event.get("type")) in FINISHES:
            with self._lock:
                self._deferred.append((event, now))

    def retry_deferred(self) -> None:
        """Handle the deferred outcomes again; those older than DEFER_FOR are dropped."""
        with self._lock:
            waiting, self._deferred = self._deferred, []
        now = self.clock()
        for event, since in waiting:
            if now - since > DEFER_FOR:
                continue
            try:
                finished = self._finish(event, now)
            except Exception:  # a database hiccup: this outcome waits for the next pass, not lost
                log.warning("could not record a deferred Celery outcome; trying again", exc_info=True)
                finished = False
            if not finished:
                with self._lock:
                    self._deferred.append((event, since))

    def _finish(self, event: dict[str, Any], now: datetime) -> bool:
        """End the job an outcome event names; False while it is not this link's to end (yet).

        Through `JobFinisher.finish_reported`, as any outside executor's report. A job a beat of
        this link still holds, or that went back to its beat queue, is taken over first: its
        outcome proves the beat published it (and then died, or has not reported yet).
        """
        workspace, task_id, outcome = self.link.workspace_id, str(event.get("uuid")), outcome_of(event)
        if self.finisher.finish_reported(workspace, task_id, self.owner, outcome, now) is not None:
            return True
        job = self.store.find_job_by_task_id(workspace, task_id)
        if job is None:
            return False  # not handed over yet: the worker that published it is about to
        if job.finished:
            return True
        if self.store.adopt_beat_job(self.link.id, job.id):
            return self.finisher.finish_reported(workspace, task_id, self.owner, outcome, now) is not None
        return False

    def _linked(self) -> list[Schedule]:
        if time.monotonic() - self._schedules_at > SCHEDULES_TTL:
            self._schedules = self.store.linked_schedules(self.link.workspace_id, self.link.id)
            self._schedules_at = time.monotonic()
        return self._schedules

    def _note(self, now: datetime) -> None:
        if time.monotonic() - self._noted_at > NOTE_EVERY:
            self._noted_at = time.monotonic()
            self.store.note_link(self.link.id, now=now, event=True, state={"events_seen": self.seen})

    def _beat_fire(self, event: dict[str, Any], task_id: str, now: datetime) -> None:
        name = event.get("name")
        candidates = [s for s in self._linked() if s.payload.get("task") == name and _args_match(s, event)]
        if len(candidates) != 1:
            return  # not one of the link's schedules (an ad-hoc call), or ambiguous: not a fire
        schedule = candidates[0]
        at = datetime.fromtimestamp(float(event.get("timestamp") or now.timestamp()), UTC)
        self.store.start_celery_fire(
            schedule, link_id=self.link.id, job_id=new_id("job"), fire_id=new_id("fire"), task_id=task_id,
            scheduled_for=scheduled_instant(schedule, at), trigger=FireTrigger.SCHEDULE, now=now)
        self._schedules_at = 0.0  # next_run_at moved on

    def handle(self, event: dict[str, Any]) -> None:
        now = self.clock()
        self.seen += 1
        self._note(now)
        kind, task_id = str(event.get("type") or ""), event.get("uuid")
        if not task_id or not kind.startswith("task-"):
            return
        self.task_events += 1
        job = self.store.find_job_by_task_id(self.link.workspace_id, str(task_id))
        if job is None and str(task_id).startswith("job_"):
            # Kairos's own id: the worker that published it may not have handed the job over yet.
            self._defer(event, now)
            return
        if job is None and kind in STARTS:
            self._beat_fire(event, str(task_id), now)
            return
        if job is None or job.finished:
            return
        if kind in FINISHES:
            if not self._finish(event, now):
                self._defer(event, now)  # not handed over to this link yet (or no longer its)
            return
        if kind in ("task-received", "task-started"):
            self.store.adopt_beat_job(self.link.id, job.id)
        if kind in ("task-started", "task-retried", "task-received"):
            progress = {"celery": kind.removeprefix("task-"), "worker": event.get("hostname")}
            if kind == "task-retried":
                progress["exception"] = event.get("exception")
            self.store.note_celery_progress(job.id, self.owner, progress)


class Receiver:
    """One supervised thread reading a broker's event stream; it reconnects after any failure."""

    def __init__(self, app: Any, recorder: EventRecorder) -> None:
        self.app = app
        self.recorder = recorder
        self._stop = threading.Event()
        self._current: Any = None
        # Since when the stream has been read without a break (None while it is down): every
        # event a worker sent since then has been seen.
        self.connected_since: datetime | None = None
        self.thread = threading.Thread(target=self._run, name=f"kairos-events-{recorder.link.id}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._current is not None:
            self._current.should_stop = True

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def saw_everything_since(self, since: datetime) -> bool:
        """Whether a task event sent after `since` would have been seen: the stream has been up
        without a break since before then, and the workers do send task events (-E)."""
        connected = self.connected_since
        return (self.alive and connected is not None and connected <= since
                and self.recorder.task_events > 0)

    def _handle(self, event: dict[str, Any]) -> None:
        try:
            self.recorder.handle(event)
        except Exception:
            # One event that cannot be recorded must not cost the stream.
            log.exception("could not record Celery event %s", event.get("type"))

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                with self.app.connection_for_read() as connection:
                    self._current = self.app.events.Receiver(connection, handlers={"*": self._handle})
                    if self._stop.is_set():
                        return
                    backoff = 0.5
                    self.connected_since = datetime.now(UTC)
                    self._current.capture(limit=None, timeout=None, wakeup=False)
            except Exception as exc:
                self.connected_since = None
                if self._stop.is_set():
                    return
                log.warning("event stream of link %s lost (%s); reconnecting in %.1fs",
                            self.recorder.link.id, exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
