"""Scheduler link bodies (`LinkCreate`, `LinkUpdate` in; `LinkPublic` out) and the sync actions'."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from kairos.api.schemas.common import InputBody, ListResponse, Timestamp

LINK_EXAMPLES: list[JsonValue] = [
    {"name": "billing beat", "type": "celery-beat", "broker_url": "redis://:secret@redis.internal:6379/0",
     "source": {"kind": "django-celery-beat", "database_url": "postgresql://beat:secret@db.internal/app"}},
    {"name": "workers", "type": "celery-beat", "broker_url": "amqp://guest:guest@rabbit.internal:5672//",
     "source": {"kind": "redbeat", "redis_url": "redis://redis.internal:6379/1", "key_prefix": "redbeat:"}},
    {"name": "uploaded", "type": "celery-beat", "broker_url": "redis://redis.internal:6379/0",
     "source": {"kind": "json", "beat_schedule": {
         "email.daily-digest": {"task": "email.send_daily_digest",
                                "schedule": {"type": "crontab", "minute": "0", "hour": "9",
                                             "timezone": "Europe/Berlin"},
                                "kwargs": {"locale": "en-US"}}}}},
    {"name": "reports", "type": "apscheduler",
     "source": {"kind": "sqlalchemy", "database_url": "postgresql://aps@db.internal/app",
                "tablename": "apscheduler_jobs"}},
    {"name": "reports v4", "type": "apscheduler",
     "source": {"kind": "sqlalchemy", "database_url": "postgresql://aps@db.internal/app", "version": 4,
                "schema": "aps"}},
]


class LinkFields(InputBody):
    name: str | None = Field(default=None, max_length=200)
    type: Literal["celery-beat", "apscheduler"] | None = None
    broker_url: str | None = Field(default=None, max_length=2000)
    result_backend: str | None = Field(default=None, max_length=2000)
    publisher: Literal["kairos", "beat"] | None = None
    source: dict[str, Any] | None = None

    def sent(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class LinkCreate(LinkFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": LINK_EXAMPLES})


class LinkUpdate(LinkFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"broker_url": "redis://:new-secret@redis.internal:6379/0"}, {"name": "billing"},
    ]})


class WorkerEvents(BaseModel):
    seen: bool
    last_event_at: Timestamp | None
    note: str | None


class LinkPublic(BaseModel):
    id: str
    workspace_id: str
    name: str
    type: str
    publisher: str
    broker_url: str | None = Field(description="Shown with its password masked as ****")
    result_backend: str | None
    source: dict[str, Any]
    writable: bool
    read_only_reason: str | None
    worker_events: WorkerEvents | None
    last_sync_at: Timestamp | None
    state: dict[str, Any]
    created_at: Timestamp
    updated_at: Timestamp


class LinkList(ListResponse[LinkPublic]):
    """A page of scheduler links."""


class LinkTest(BaseModel):
    ok: bool
    entries: int | None = None
    read_only: int | None = None
    broker: str | None = None
    error: str | None = None


class SyncRequest(InputBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"link_id": "link_0192f3a0-7a10-7b20-8c30-4d5e6f708192"}, {},
    ]})

    link_id: str | None = Field(default=None, max_length=64,
                                description="The link; optional when the workspace has only one")


# `:import` and `:diff` with no body at all mean `{}`: the workspace's only link (seed 003).
NO_BODY = SyncRequest()


class ResyncRequest(SyncRequest):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"link_id": "link_0192f3a0-7a10-7b20-8c30-4d5e6f708192", "direction": "from_scheduler"},
        {"direction": "to_scheduler"},
    ]})

    direction: Literal["to_scheduler", "from_scheduler"]


class DiffEntry(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    schedule_id: str | None = None


class ChangedEntry(BaseModel):
    name: str
    schedule_id: str
    before: dict[str, Any]
    after: dict[str, Any]


class DiffResponse(BaseModel):
    link_id: str
    added: list[DiffEntry]
    removed: list[DiffEntry]
    changed: list[ChangedEntry]
    unchanged: int
    read_only: list[DiffEntry] = Field(default_factory=list,
                                       description="Entries Kairos shows but cannot change, and why")


class SyncResponse(DiffResponse):
    direction: str
    applied: bool
