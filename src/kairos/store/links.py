"""The part of the Store contract for scheduler links and their schedules (SPEC 8).

The API writes links; the event receiver and the sync actions write a link's `state`,
`last_event_at` and `last_sync_at`. A link's schedules are ordinary schedules carrying its
`link_id`: `apply_sync` adds, replaces and deletes them in one transaction, so a resync is
all or nothing; deleting a link deletes its schedules with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kairos.domain.jobs import FireTrigger, Job
from kairos.domain.links import SchedulerLink
from kairos.domain.schedules import Schedule
from kairos.store.pages import Page, PageResult


@dataclass(frozen=True, kw_only=True)
class SyncWrite:
    """One resync's changes to Kairos's copies of a link's schedules."""

    add: Sequence[Schedule] = ()
    replace: Sequence[Schedule] = ()
    delete: Sequence[str] = ()  # schedule ids


class LinkStore(Protocol):
    def add_link(self, link: SchedulerLink) -> None: ...
    def get_link(self, workspace_id: str, link_id: str) -> SchedulerLink: ...
    def list_links(self, workspace_id: str, page: Page, *, type: str | None = None) -> PageResult[SchedulerLink]: ...
    def all_links(self) -> list[SchedulerLink]: ...
    def update_link(
        self, workspace_id: str, link_id: str, change: Callable[[SchedulerLink], SchedulerLink]
    ) -> SchedulerLink: ...
    def delete_link(self, workspace_id: str, link_id: str) -> int: ...
    def note_link(self, link_id: str, *, now: datetime, event: bool = False, synced: bool = False,
                  state: dict[str, Any] | None = None) -> None: ...
    def linked_schedules(self, workspace_id: str, link_id: str) -> list[Schedule]: ...
    def apply_sync(self, workspace_id: str, link_id: str, write: SyncWrite) -> None: ...

    # Jobs run by a link's Celery fleet (see store/sqlalchemy/celery_runs.py): created running with
    # their task id before the publish, ended through the engine's JobFinisher by events, the
    # result backend or the outcome timeout; found again by `find_job_by_task_id`.
    def start_celery_fire(
        self, schedule: Schedule, *, link_id: str, job_id: str, fire_id: str, task_id: str,
        scheduled_for: datetime, trigger: FireTrigger, now: datetime,
    ) -> Job | None: ...
    def note_celery_progress(self, job_id: str, owner: str, progress: dict[str, Any]) -> None: ...
    def running_celery_jobs(self, link_id: str, started_before: datetime, limit: int = 100) -> list[Job]: ...
    def record_external_run(self, schedule: Schedule, *, job_id: str, fire_id: str, scheduled_for: datetime,
                            now: datetime, result: dict[str, Any], external: dict[str, Any]) -> bool: ...
    def note_external_state(self, schedule_id: str, external: dict[str, Any]) -> None: ...
    def claim_for_beat(self, link_ids: Sequence[str], beat: str, now: datetime, limit: int,
                       lease_seconds: float) -> list[Job]: ...
    def beat_published(self, link_id: str, beat: str, job_ids: Sequence[str]) -> list[str]: ...
    def adopt_beat_job(self, link_id: str, job_id: str) -> bool: ...
