"""The operations on schedules and jobs, once: the canonical routes and every dialect call these.

A route's only business is to read its request and present the answer; what an operation checks
and changes (validation, strategies, the store's guarded writes, waking the loops) is here, so a
dialect cannot drift from the canonical API. Roles, CSRF, the audit log and idempotency stay
where they are (deps.py, audit.py, idempotency.py), around both kinds of route alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kairos.api.deps import Access
from kairos.api.linked_writes import (
    bind_executor,
    bind_linked,
    create_linked,
    delete_linked,
    undo_linked,
    with_executor,
    write_through,
)
from kairos.domain.definition import Limits, apply_changes, build_job, build_schedule
from kairos.domain.finish import CancelReason
from kairos.domain.jobs import Fire, Job
from kairos.domain.payload_secrets import restore_payload_secrets
from kairos.domain.schedules import Kind, Schedule
from kairos.domain.webhooks import new_secret
from kairos.exceptions import Conflict, InvalidInput, JobNotFound, ScheduleNotFound
from kairos.ids import new_id
from kairos.integrations.celery.trigger import trigger_on_celery
from kairos.integrations.guard import SourcePolicy
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.base import Page, Store
from kairos.timeutil import utcnow

RECENT_FIRES = 10


def limits(settings: Settings) -> Limits:
    return Limits(min_interval_seconds=settings.min_interval_seconds,
                  allow_private_networks=settings.allow_private_networks)


@dataclass(frozen=True)
class Operations:
    """What a caller admitted into a workspace may do there.

    `kind` narrows it to the schedules and jobs of one kind: a dialect whose seed only knows
    callbacks (or tasks, scrapes, Reddit) sees the others as missing, and makes only its own.
    """

    runtime: Runtime
    access: Access
    kind: Kind | None = None

    @property
    def store(self) -> Store:
        return self.runtime.store

    @property
    def workspace_id(self) -> str:
        return self.access.workspace.id

    def _own(self, schedule: Schedule) -> Schedule:
        if self.kind is not None and schedule.kind != self.kind:
            raise ScheduleNotFound(schedule.id)
        return schedule

    def _fields(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        sent = dict(fields)
        if self.kind is not None:
            if sent.get("kind") not in (None, self.kind.value):
                raise InvalidInput.field("kind", f"this API makes {self.kind.value} schedules and jobs")
            sent["kind"] = self.kind.value
        return sent

    # schedules

    def build_schedule(self, fields: Mapping[str, Any], now: datetime) -> Schedule:
        """A valid new schedule of the workspace (not stored, nor written anywhere), its strategy checked."""
        schedule = build_schedule(self._fields(fields), schedule_id=new_id("sched"),
                                  workspace_id=self.workspace_id, now=now,
                                  limits=limits(self.runtime.settings), kinds=self.runtime.kinds.rulebook)
        self.runtime.kinds.check_stored(self.store, self.workspace_id, schedule.payload)
        schedule = with_executor(self.store, schedule)
        # A linked schedule is bound to its link here, and written to its scheduler's store only
        # by `add_schedules`, so that a batch with a bad item writes nothing anywhere.
        return bind_linked(self.store, schedule) if schedule.linked else schedule

    def add_schedules(self, schedules: list[Schedule]) -> None:
        """Store schedules built by `build_schedule`, linked ones written to their scheduler first."""
        create_linked(self.store, self.runtime.settings, [s for s in schedules if s.linked])
        try:
            self.store.add_schedules(schedules)
        except BaseException:
            undo_linked(self.store, self.runtime.settings, [s for s in schedules if s.linked])
            raise
        self.runtime.schedule_changed()

    def create_schedule(self, fields: Mapping[str, Any]) -> Schedule:
        schedule = self.build_schedule(fields, utcnow())
        self.add_schedules([schedule])
        return schedule

    def get_schedule(self, schedule_id: str) -> Schedule:
        return self._own(self.store.get_schedule(self.workspace_id, schedule_id))

    def schedule_with_fires(self, schedule_id: str) -> tuple[Schedule, list[Fire]]:
        """The schedule and its last fires, newest first (what `GET /schedules/{id}` shows)."""
        schedule = self.get_schedule(schedule_id)
        fires = self.store.list_fires(self.workspace_id, schedule_id, Page(limit=RECENT_FIRES)).items
        return schedule, fires

    def change_schedule(self, schedule_id: str, change: Callable[[Schedule, datetime], Schedule]) -> Schedule:
        """Apply `change` in the store's guarded read-modify-write, then wake the scheduler."""
        now = utcnow()
        updated = self.store.update_schedule(
            self.workspace_id, schedule_id,
            write_through(self.store, self.runtime.settings, lambda current: change(self._own(current), now)))
        self.runtime.schedule_changed()
        return updated

    def update_schedule(self, schedule_id: str, changes: Mapping[str, Any]) -> Schedule:
        """PATCH (and PUT) semantics: the fields sent, and only those, change."""
        sent = dict(changes)
        if self.kind is not None:
            if sent.get("kind") not in (None, self.kind.value):
                raise InvalidInput.field("kind", f"this API keeps {self.kind.value} schedules")
            sent["kind"] = self.kind.value  # another kind's fields cannot switch it out of sight
        self.runtime.kinds.check_stored(self.store, self.workspace_id, sent)
        settings, rulebook = self.runtime.settings, self.runtime.kinds.rulebook
        # A secret sent back as it was shown (masked) keeps the stored value.
        return self.change_schedule(schedule_id, lambda current, now: with_executor(self.store, apply_changes(
            current, restore_payload_secrets(sent, current.payload), now=now, limits=limits(settings),
            kinds=rulebook)))

    def delete_schedule(self, schedule_id: str) -> None:
        delete_linked(self.store, self.runtime.settings, self.get_schedule(schedule_id))
        self.store.delete_schedule(self.workspace_id, schedule_id)

    def trigger_schedule(self, schedule_id: str) -> Job:
        """Run the schedule's work now, paused or not; the job carries the task id if any."""
        schedule = self.get_schedule(schedule_id)
        if schedule.linked:
            return self._trigger_linked(schedule)
        job = self.store.fire_now(self.workspace_id, schedule_id, utcnow())
        self.runtime.job_created()
        return job

    def _trigger_linked(self, schedule: Schedule) -> Job:
        """A linked Celery schedule is sent to its broker (the job carries the task id)."""
        if schedule.scheduler != "celery-beat" or schedule.link_id is None:
            raise Conflict(f"Kairos cannot ask {schedule.scheduler} to run a job now: APScheduler has no "
                           "interface for it; its own scheduler decides when the job runs")
        link = self.store.get_link(schedule.workspace_id, schedule.link_id)
        assert self.runtime.finisher is not None
        settings = self.runtime.settings
        policy = SourcePolicy(allow_private_networks=settings.allow_private_networks,
                              allow_app_imports=settings.link_app_imports)
        return trigger_on_celery(self.store, self.runtime.finisher, self.runtime.celery_apps, policy, link,
                                 schedule, utcnow())

    def regenerate_secret(self, schedule_id: str) -> str:
        """A new webhook signing secret; the old one stops working at once."""
        secret = new_secret()
        # Deliveries read the schedule's secret when they are sent, so pending retries sign with
        # the new one from their next attempt.
        self.change_schedule(schedule_id,
                             lambda s, now: dataclasses.replace(s, webhook_secret=secret, updated_at=now))
        return secret

    # jobs

    def _own_job(self, job: Job) -> Job:
        if self.kind is not None and job.kind != self.kind.value:
            raise JobNotFound(job.id)
        return job

    def create_job(self, fields: Mapping[str, Any]) -> Job:
        job = build_job(self._fields(fields), job_id=new_id("job"), workspace_id=self.workspace_id,
                        now=utcnow(), kinds=self.runtime.kinds.rulebook)
        self.runtime.kinds.check_stored(self.store, self.workspace_id, job.payload)
        job = dataclasses.replace(job, payload=bind_executor(self.store, self.workspace_id, job.payload))
        self.store.add_job(job)
        self.runtime.job_created()
        return job

    def get_job(self, job_id: str) -> Job:
        return self._own_job(self.store.get_job(self.workspace_id, job_id))

    def cancel_job(self, job_id: str) -> Job:
        """Cancel a pending or running job (409 once finished); its worker is told at once."""
        if self.kind is not None:
            self.get_job(job_id)
        job = self.store.cancel_job(self.workspace_id, job_id, utcnow())
        if self.runtime.worker is not None:
            self.runtime.worker.cancel_local(job_id, CancelReason.REQUESTED)
        return job
