"""Job bodies: `JobCreate` in; `JobPublic` out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, StrictInt

from kairos.api.schemas.common import InputBody, ListResponse, Timestamp
from kairos.api.schemas.kinds import KindCounters, WhatFields


class JobCreate(InputBody, WhatFields):
    """A one-off job: the *what* fields of a schedule, plus retry and timeout settings."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"task": "kairos.sleep", "kwargs": {"seconds": 10}},
        {"callback_type": "http", "callback_id": "https://example.com/hooks/kairos"},
        {"strategy_id": "<a strategy id>", "urls": ["https://example.com/a", "https://example.com/b"]},
    ]})

    kind: Literal["task", "callback", "scrape", "reddit"] | None = None
    max_attempts: StrictInt = Field(default=1, ge=1, le=100)
    retry_delay_seconds: StrictInt = Field(default=30, ge=1, le=86400)
    timeout_seconds: StrictInt | None = Field(default=None, ge=1, le=7 * 86400)


class JobPublic(WhatFields, KindCounters):
    """A job: the *what* fields of its kind, and the counters its kind reports, flat."""

    model_config = ConfigDict(extra="forbid")

    id: str
    workspace_id: str
    schedule_id: str | None
    kind: str
    status: str
    trigger: str
    scheduled_for: Timestamp | None
    started_at: Timestamp | None
    completed_at: Timestamp | None
    duration_seconds: float | None
    progress: dict[str, Any]
    item_count: int | None
    result: Any = None
    error_message: str | None
    attempt: int
    max_attempts: int
    crashes: int = Field(description="Times the job's worker vanished while running it; these "
                                     "runs use no attempt, and the third fails the job")
    content_hash: str | None
    has_changes: bool | None
    task_id: str | None
    created_at: Timestamp


class JobList(ListResponse[JobPublic]):
    """A page of jobs."""
