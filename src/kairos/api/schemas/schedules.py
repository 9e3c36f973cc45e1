"""Schedule bodies: `ScheduleCreate`, `ScheduleUpdate` in; `SchedulePublic` out."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StrictInt, model_validator

from kairos.api.schemas.common import (
    Instant,
    ListResponse,
    NotNull,
    Timestamp,
    Url,
    field_error,
    refuse_nul,
    resolve_aliases,
)
from kairos.api.schemas.kinds import WhatFields

ALIASES = {
    "trigger_type": ("type", "schedule_type"),
    "run_at": ("next_run",),
    "enabled": ("is_active",),
}

EXAMPLES: list[JsonValue] = [
    {"name": "Daily Report", "type": "cron", "cron_expression": "0 9 * * *",
     "timezone": "Europe/Berlin", "callback_type": "workflow", "callback_id": "workflow-456"},
    {"name": "email.daily-digest", "trigger_type": "cron",
     "trigger": {"minute": "0", "hour": "9", "day_of_week": "*"},
     "task": "email.send_daily_digest", "args": [], "kwargs": {"locale": "en-US"}, "enabled": True},
    {"name": "Follow-up", "type": "delayed", "delay_seconds": 3600,
     "callback_type": "workflow", "callback_id": "workflow-123"},
    {"name": "Heartbeat", "interval_seconds": 300, "task": "kairos.http_request",
     "kwargs": {"url": "https://example.com/health"}, "overlap_policy": "skip"},
]


def _map_status(body: dict[str, Any]) -> None:
    """`status` on input is the seed documents' way to pause and resume."""
    if "status" not in body:
        return
    status = body.pop("status")
    if status == "paused":
        body["paused"] = True
    elif status == "active":
        body["paused"] = False
        if body.get("enabled") is False:
            raise field_error(("status",), "conflict", "'active' conflicts with enabled false")
        body.setdefault("enabled", True)
    else:
        raise field_error(("status",), "status", "may be set to 'active' or 'paused'")


class ScheduleFields(WhatFields):
    """Every field a schedule body may carry, in canonical names (aliases are mapped first).

    The *what* fields of every kind come from `WhatFields` (the kind catalog).
    """

    model_config = ConfigDict(extra="forbid")

    # NotNull: no "unset" meaning; absent keeps the value, an explicit null is a 400.
    name: NotNull[Annotated[str, Field(max_length=200)]] = None
    description: str | None = Field(default=None, max_length=2000)
    kind: NotNull[Literal["task", "callback", "scrape", "reddit"]] = None
    trigger_type: NotNull[Literal["cron", "interval", "once", "delayed"]] = None
    cron_expression: str | None = Field(default=None, max_length=200)
    trigger: dict[str, Any] | None = None
    timezone: NotNull[Annotated[str, Field(min_length=1, max_length=64)]] = None
    interval_seconds: StrictInt | None = None
    run_at: Instant | None = None
    delay_seconds: StrictInt | None = None
    start_at: Instant | None = None
    end_at: Instant | None = None
    jitter_seconds: NotNull[StrictInt] = None
    misfire_policy: NotNull[Literal["run_once", "skip", "run_all"]] = None
    misfire_grace_seconds: NotNull[StrictInt] = None
    overlap_policy: NotNull[Literal["skip", "allow", "queue_one", "cancel_previous"]] = None
    max_attempts: NotNull[StrictInt] = None
    retry_delay_seconds: NotNull[StrictInt] = None
    timeout_seconds: StrictInt | None = None
    enabled: NotNull[bool] = None
    paused: NotNull[bool] = None
    scheduler: NotNull[str] = None
    link_id: str | None = Field(default=None, max_length=64)
    # whom to tell
    webhook_url: Url | None = None
    webhook_type: Literal["standard", "slack"] | None = None
    webhook_metadata: dict[str, Any] | None = None
    webhook_secret: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, raw: Any) -> Any:
        refuse_nul(raw)
        body, conflicts = resolve_aliases(raw, ALIASES)
        if conflicts:
            name, msg = conflicts[0]
            raise field_error((name,), "alias_conflict", msg)
        if isinstance(body, dict):
            _map_status(body)
        return body

    def sent(self) -> dict[str, Any]:
        """Only the fields the client sent (after alias mapping)."""
        return self.model_dump(exclude_unset=True)


class ScheduleCreate(ScheduleFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": EXAMPLES})


class ScheduleUpdate(ScheduleFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"cron_expression": "0 10 * * *"}, {"status": "paused"}, {"is_active": False},
    ]})


class ScheduleBatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"items": EXAMPLES[:2]}]})
    items: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class PreviewRequest(ScheduleFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"cron_expression": "0 9 * * MON-FRI", "timezone": "America/New_York", "count": 3},
        {"interval_seconds": 900, "start_at": "2026-03-20T08:00:00Z", "count": 4},
    ]})

    count: int = Field(default=5, ge=1, le=100)
    after: Instant | None = None


class PreviewResponse(BaseModel):
    items: list[Timestamp]
    description: str
    timezone: str


class FirePublic(BaseModel):
    id: str
    schedule_id: str
    scheduled_for: Timestamp
    fired_at: Timestamp
    job_id: str | None
    task_id: str | None
    status: str
    trigger: str


class SchedulePublic(WhatFields):
    model_config = ConfigDict(extra="forbid")

    id: str
    workspace_id: str
    name: str
    description: str
    kind: str
    trigger_type: str
    cron_expression: str | None
    trigger: dict[str, str] | None
    timezone: str
    interval_seconds: int | None
    run_at: Timestamp | None
    delay_seconds: int | None
    start_at: Timestamp | None
    end_at: Timestamp | None
    schedule_description: str
    jitter_seconds: int
    misfire_policy: str
    misfire_grace_seconds: int
    overlap_policy: str
    max_attempts: int
    retry_delay_seconds: int
    timeout_seconds: int | None
    webhook_url: str | None
    webhook_type: str | None
    webhook_metadata: dict[str, Any]
    webhook_secret: str | None = Field(default=None, description=(
        "Shown by create only (null on reads, and when an Idempotency-Key replays the answer)"))
    secret_note: str | None = Field(default=None, description="Set on a replay: where the secret went")
    enabled: bool
    status: str
    next_run_at: Timestamp | None
    last_run_at: Timestamp | None
    run_count: int
    scheduler: str
    link_id: str | None = None
    read_only_reason: str | None = Field(default=None, description=(
        "Why Kairos cannot change this linked schedule (its trigger, or its link's store)"))
    external: dict[str, Any] | None = Field(default=None, description=(
        "What the linked scheduler's store holds beyond Kairos's fields: entry name, Celery options"))
    created_at: Timestamp
    updated_at: Timestamp
    recent_fires: list[FirePublic] | None = None


class ScheduleList(ListResponse[SchedulePublic]):
    """A page of schedules."""


class DeletedResponse(BaseModel):
    message: str
    id: str
