"""Explicit instants and ready-made schedules for the domain tests (no clock is ever read)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from typing import Any

from kairos.domain.schedules import Kind, Schedule, TriggerType
from kairos.domain.triggers import CronTrigger, iter_fires

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    """An aware instant in UTC from RFC 3339 text; text without an offset is a test bug."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, f"{text!r} needs an offset"
    return value.astimezone(UTC)


def ats(*texts: str) -> list[datetime]:
    return [at(text) for text in texts]


def cron_fires(expression: str, after: str, count: int, timezone: str = "UTC") -> list[datetime]:
    """The first `count` fires of a cron expression strictly after `after`, in UTC."""
    trigger = CronTrigger(expression=expression, timezone=timezone)
    return list(islice(iter_fires(trigger, at(after)), count))


def make_schedule(**overrides: Any) -> Schedule:
    """An hourly task schedule created at 2026-01-01T00:00Z; any field may be overridden."""
    fields: dict[str, Any] = {
        "id": "sched_1",
        "workspace_id": "ws_1",
        "name": "job",
        "kind": Kind.TASK,
        "payload": {"task": "reports.build", "args": [], "kwargs": {}, "executor": "local"},
        "trigger_type": TriggerType.CRON,
        "cron_expression": "0 * * * *",
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    fields.update(overrides)
    return Schedule(**fields)
