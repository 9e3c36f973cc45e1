"""The Store contract: what the API and the engine may ask of persistence.

Every implementation passes the same contract suite (tests/integration). Who writes what:
- the API writes a schedule's definition; the scheduler writes its firing state
  (`next_run_at`, `due_at`, `status` once completed, `last_run_at`, `run_count`). Both bump
  `version`, and the API's read-modify-write retries when the version moved under it.
- a job row is created by a fire or by the API; a worker owns it from its claim until it
  finishes (or hands it over to an outside executor, which then owns it), and may only finish it
  while it still holds the lease; the API may cancel it at any time before it finishes, and the
  worker learns that when it renews its lease. How it ends is decided by the pure
  `domain.finish.plan_finish`; `finish_job` only writes the plan. The lease reaper plans the end
  of jobs whose lease expired (`expired_leases`) and writes them the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from kairos.domain.finish import FinishPlan
from kairos.domain.jobs import Fire, Job
from kairos.domain.schedules import Schedule
from kairos.store.access import AccessStore
from kairos.store.access import ApiKey as ApiKey
from kairos.store.access import Workspace as Workspace
from kairos.store.delivery import DeliveryStore
from kairos.store.links import LinkStore
from kairos.store.pages import Page as Page
from kairos.store.pages import PageResult as PageResult
from kairos.store.reddit import RedditStore
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
    link_id: str | None = None
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
class Backlog:
    """Work waiting, as `/metrics` shows it."""

    pending_jobs: int  # due to run, not yet claimed
    running_jobs: int
    due_deliveries: int  # webhook deliveries due and not yet sent
    oldest_due_delivery_seconds: float  # how long the oldest of them has been due


# The status code of an idempotency claim whose request is still running.
CLAIMED = 0


@dataclass(frozen=True, kw_only=True)
class StoredResponse:
    request_hash: str
    status_code: int  # CLAIMED while the first request runs
    body: Any

    @property
    def running(self) -> bool:
        return self.status_code == CLAIMED


class Store(AccessStore, ScrapeStore, DeliveryStore, LinkStore, RedditStore, Protocol):
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
    def finish_job(self, plan: FinishPlan, owner: str, now: datetime) -> bool:
        """Write a job's end as `plan` (from `domain.finish.plan_finish`) says, in one transaction:
        the status and counters, for a completed job its items and their comparison with the
        schedule's previous completed job, and the webhook delivery the plan asks for (when the
        schedule has a `webhook_url`). Only while `owner` holds the job running with the attempt
        and crash counts the plan was made from, and for a vanished worker's plan only while the
        lease is still expired; False (nothing written) otherwise, and for a DROP plan."""
        ...
    def expired_leases(self, now: datetime, limit: int) -> list[tuple[Job, str]]:
        """Up to `limit` running jobs whose lease expired before `now`, with the owner that held
        it: the lease reaper plans their end (`CancelReason.WORKER_LOST`). A beat's claims
        (`beat:` owners) are not among them: the link watcher settles those."""
        ...
    def find_job_by_task_id(self, workspace_id: str, task_id: str) -> Job | None:
        """The workspace's job an outside executor runs under `task_id` (set by `hand_over_job`).

        Only that workspace's: task ids come from outside (a linked fleet's events), and one
        workspace's fleet must not name another's jobs."""
        ...
    def hand_over_job(
        self, job_id: str, worker: str, owner: str, task_id: str | None,
        lease_expires_at: datetime | None, now: datetime,
    ) -> bool:
        """Pass the lease of a job `worker` holds to `owner`, an outside executor that will
        report its end (`finish_job` with `owner`); None: the lease never expires. False: the
        worker no longer held the job (cancelled or reassigned)."""
        ...

    # idempotency: `scope` is the workspace id (or, outside any workspace, the caller's id)
    def claim_request(self, scope: str, key: str, request_hash: str, now: datetime) -> StoredResponse | None:
        """Claim `key` for a request about to run: None when this caller now holds it.

        Otherwise the key's row within 24 h: a finished answer, or a claim still `running`. Of
        concurrent claims exactly one gets None (the unique key decides). A claim left unfinished
        for minutes (its process died) is given up, so the key can be claimed again.
        """
        ...

    def store_response(self, scope: str, key: str, response: StoredResponse, now: datetime) -> None:
        """Record the answer of the request that holds the claim on `key`."""
        ...

    def release_request(self, scope: str, key: str) -> None:
        """Give up an unfinished claim (its request failed), so that a retry may run."""
        ...

    # operations
    def backlog(self, now: datetime) -> Backlog:
        """Counts of due jobs, running jobs and due webhook deliveries (read on each /metrics scrape)."""
        ...

    # lifecycle
    def ping(self) -> None: ...
    def close(self) -> None: ...
