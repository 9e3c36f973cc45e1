"""The Store contract: what the API and the engine may ask of persistence.

Every implementation passes the same contract suite (tests/integration). Who writes what:
- the API writes a schedule's definition; the scheduler writes its firing state
  (`next_run_at`, `due_at`, `status` once completed, `last_run_at`, `run_count`). Both bump
  `version`, and the API's read-modify-write retries when the version moved under it.
- a job row is created by a fire or by the API; a worker owns it from its claim until it
  finishes, and may only finish it while it still holds the lease; the API may cancel it at any
  time before it finishes, and the worker learns that when it renews its lease.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from kairos.domain.jobs import Fire, Job, JobStatus
from kairos.domain.schedules import Schedule
from kairos.store.access import AccessStore
from kairos.store.access import ApiKey as ApiKey
from kairos.store.access import Workspace as Workspace
from kairos.store.delivery import DeliveryStore
from kairos.store.pages import Page as Page
from kairos.store.pages import PageResult as PageResult
from kairos.store.scraping import ScrapeStore

# `last_used_at` of an API key is kept to this precision: writing it on every request would
# turn each read into a write.
KEY_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True, kw_only=True)
class ScheduleFilters:
    # The status as shown: `disabled` matches every schedule whose `enabled` is false, and
    # `active`, `paused`, `completed` only enabled ones; several statuses match any of them.
    status: str | tuple[str, ...] | None = None
    enabled: bool | None = None
    kind: str | None = None
    trigger_type: str | None = None
    scheduler: str | None = None
    q: str | None = None


@dataclass(frozen=True, kw_only=True)
class JobFilters:
    status: str | None = None
    kind: str | None = None
    schedule_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class FireBatch:
    """What one scheduler step did."""

    schedules: int = 0
    fires: int = 0
    jobs: int = 0
    duplicates: int = 0
    cancelled: int = 0
    lateness: list[float] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class JobOutcome:
    status: JobStatus
    result: Any = None
    error_message: str | None = None
    retry_at: datetime | None = None
    progress: dict[str, Any] | None = None  # the last progress report, saved with the outcome
    # The items a job produced, when its kind makes a list of them (scrape): stored per job, compared
    # with the previous run, and sent to the webhook. None means "the result is the list". The
    # store derives `item_count` and `content_hash` from them; nobody else computes those.
    items: list[Any] | None = None


@dataclass(frozen=True, kw_only=True)
class StoredResponse:
    request_hash: str
    status_code: int
    body: Any


class Store(AccessStore, ScrapeStore, DeliveryStore, Protocol):
    # workspaces and keys
    def ensure_workspace(self, slug: str, name: str, now: datetime) -> Workspace: ...
    def get_workspace(self, ref: str) -> Workspace: ...
    def add_api_key(self, key: ApiKey, key_hash: str) -> None: ...
    def find_api_key(self, key_hash: str) -> ApiKey | None: ...
    def count_api_keys(self) -> int: ...
    def touch_api_key(self, key_id: str, now: datetime) -> None: ...

    # schedules
    def add_schedules(self, schedules: Sequence[Schedule]) -> None: ...
    def get_schedule(self, workspace_id: str, schedule_id: str) -> Schedule: ...
    def list_schedules(
        self, workspace_id: str, filters: ScheduleFilters, page: Page
    ) -> PageResult[Schedule]: ...
    def update_schedule(
        self, workspace_id: str, schedule_id: str, change: Callable[[Schedule], Schedule]
    ) -> Schedule: ...
    def delete_schedule(self, workspace_id: str, schedule_id: str) -> None: ...
    def list_fires(self, workspace_id: str, schedule_id: str, page: Page) -> PageResult[Fire]: ...

    # firing
    def fire_due(self, now: datetime, limit: int) -> FireBatch: ...
    def fire_now(self, workspace_id: str, schedule_id: str, now: datetime) -> Job: ...
    def next_due_at(self) -> datetime | None: ...

    # jobs
    def add_job(self, job: Job) -> None: ...
    def get_job(self, workspace_id: str, job_id: str) -> Job: ...
    def list_jobs(self, workspace_id: str, filters: JobFilters, page: Page) -> PageResult[Job]: ...
    def cancel_job(self, workspace_id: str, job_id: str, now: datetime) -> Job: ...
    def claim_jobs(self, worker: str, now: datetime, limit: int, lease_seconds: float) -> list[Job]: ...
    def renew_leases(
        self,
        worker: str,
        progress: dict[str, dict[str, Any]],
        job_ids: Sequence[str],
        now: datetime,
        lease_seconds: float,
    ) -> set[str]: ...
    def finish_job(self, job_id: str, worker: str, outcome: JobOutcome, now: datetime) -> bool: ...
    def reap_expired_leases(self, now: datetime) -> int: ...

    # idempotency
    def get_stored_response(self, workspace_id: str, key: str, now: datetime) -> StoredResponse | None: ...
    def store_response(self, workspace_id: str, key: str, response: StoredResponse, now: datetime) -> None: ...

    # lifecycle
    def ping(self) -> None: ...
    def close(self) -> None: ...
