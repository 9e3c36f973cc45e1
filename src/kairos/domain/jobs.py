"""Jobs: one run of some work, from a schedule's fire or made directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kairos.timeutil import ensure_aware


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


UNFINISHED = (JobStatus.PENDING, JobStatus.RUNNING)


class FireStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class FireTrigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"


# A fire's status is its job's status in the words of the fires API (seed 003 says
# "succeeded / failed"), so it is derived when read instead of written twice.
FIRE_STATUS_OF_JOB = {
    JobStatus.PENDING: FireStatus.PENDING,
    JobStatus.RUNNING: FireStatus.RUNNING,
    JobStatus.COMPLETED: FireStatus.SUCCEEDED,
    JobStatus.FAILED: FireStatus.FAILED,
    JobStatus.CANCELLED: FireStatus.CANCELLED,
}


@dataclass(frozen=True, kw_only=True)
class Job:
    id: str
    workspace_id: str
    schedule_id: str | None
    kind: str
    payload: dict[str, Any]
    status: JobStatus
    attempt: int = 1
    max_attempts: int = 1
    crashes: int = 0  # times its worker vanished mid-run (these do not use attempts)
    retry_delay_seconds: int = 30
    timeout_seconds: int | None = None
    scheduled_for: datetime | None = None
    run_after: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    item_count: int | None = None
    error_message: str | None = None
    content_hash: str | None = None
    has_changes: bool | None = None
    task_id: str | None = None
    trigger: str = "api"
    created_at: datetime

    def __post_init__(self) -> None:
        for name in ("scheduled_for", "run_after", "started_at", "completed_at", "created_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, ensure_aware(value, name))

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.completed_at
        if end is None:
            return None
        return round((end - self.started_at).total_seconds(), 3)


@dataclass(frozen=True, kw_only=True)
class Fire:
    id: str
    schedule_id: str
    scheduled_for: datetime
    fired_at: datetime
    job_id: str | None
    task_id: str | None
    status: FireStatus
    trigger: FireTrigger
