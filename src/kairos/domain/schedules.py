"""The schedule: *when* (a trigger and its policies), *what* (a kind and its fields), *whom to tell*.

Everything here is pure. The functions that change a schedule return a new one; storing it is
the store's business.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any, Protocol

from kairos.domain.triggers import (
    CronTrigger,
    ExternalTrigger,
    IntervalTrigger,
    OnceTrigger,
    Trigger,
    next_fire,
)
from kairos.timeutil import ensure_aware


class TriggerType(StrEnum):
    CRON = "cron"
    INTERVAL = "interval"
    ONCE = "once"
    DELAYED = "delayed"
    # Imported from a linked scheduler whose trigger Kairos cannot express (see ExternalTrigger).
    EXTERNAL = "external"


class Kind(StrEnum):
    TASK = "task"
    CALLBACK = "callback"
    SCRAPE = "scrape"
    REDDIT = "reddit"


class ScheduleStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


class MisfirePolicy(StrEnum):
    RUN_ONCE = "run_once"
    SKIP = "skip"
    RUN_ALL = "run_all"


class OverlapPolicy(StrEnum):
    SKIP = "skip"
    ALLOW = "allow"
    QUEUE_ONE = "queue_one"
    CANCEL_PREVIOUS = "cancel_previous"


SINGLE_SHOT = (TriggerType.ONCE, TriggerType.DELAYED)
_BEFORE_EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=65536)
def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """Cached: building a CronTrigger validates the expression, which the fire loop need not redo."""
    return CronTrigger(expression=expression, timezone=timezone)


@dataclass(frozen=True, kw_only=True)
class Schedule:
    id: str
    workspace_id: str
    name: str
    description: str = ""
    kind: Kind
    payload: dict[str, Any] = field(default_factory=dict)
    trigger_type: TriggerType
    cron_expression: str | None = None
    timezone: str = "UTC"
    interval_seconds: int | None = None
    run_at: datetime | None = None
    delay_seconds: int | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    jitter_seconds: int = 0
    misfire_policy: MisfirePolicy = MisfirePolicy.RUN_ONCE
    misfire_grace_seconds: int = 60
    overlap_policy: OverlapPolicy = OverlapPolicy.SKIP
    max_attempts: int = 1
    retry_delay_seconds: int = 30
    timeout_seconds: int | None = None
    webhook_url: str | None = None
    webhook_type: str | None = None
    webhook_metadata: dict[str, Any] = field(default_factory=dict)
    webhook_secret: str | None = None
    enabled: bool = True
    status: ScheduleStatus = ScheduleStatus.ACTIVE
    next_run_at: datetime | None = None
    due_at: datetime | None = None
    last_run_at: datetime | None = None
    run_count: int = 0
    scheduler: str = "kairos"
    # A schedule of a linked scheduler (section 8): its link, and what the link's store says of
    # it beyond the Kairos fields (entry name, Celery options, why it is read-only).
    link_id: str | None = None
    external: dict[str, Any] = field(default_factory=dict)
    created_at: datetime
    updated_at: datetime
    version: int = 1

    def __post_init__(self) -> None:
        for name in ("run_at", "start_at", "end_at", "next_run_at", "due_at", "last_run_at",
                     "created_at", "updated_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, ensure_aware(value, name))

    @cached_property
    def trigger(self) -> Trigger:
        if self.trigger_type == TriggerType.EXTERNAL:
            return ExternalTrigger(description=str(self.external.get("trigger_description")
                                                   or f"decided by {self.scheduler}"))
        return build_trigger(self.trigger_type, cron_expression=self.cron_expression,
                             timezone=self.timezone, interval_seconds=self.interval_seconds,
                             run_at=self.run_at, anchor=self.start_at or self.created_at)

    @property
    def shown_status(self) -> str:
        """The status users see: `disabled` whenever it is turned off, so `active` means it fires."""
        return str(self.status) if self.enabled else "disabled"

    @property
    def firing(self) -> bool:
        """Whether the scheduler should fire this schedule when it falls due."""
        return self.enabled and self.status == ScheduleStatus.ACTIVE

    @property
    def linked(self) -> bool:
        """Whether an external scheduler (not Kairos) decides this schedule's fires."""
        return self.scheduler != "kairos"


def build_trigger(
    trigger_type: TriggerType, *, cron_expression: str | None, timezone: str,
    interval_seconds: int | None, run_at: datetime | None, anchor: datetime,
) -> Trigger:
    """The trigger a schedule's stored fields spell; `anchor` is where an interval's grid starts."""
    if trigger_type == TriggerType.CRON:
        assert cron_expression is not None
        return cron_trigger(cron_expression, timezone)
    if trigger_type == TriggerType.INTERVAL:
        assert interval_seconds is not None
        return IntervalTrigger(seconds=interval_seconds, anchor=anchor)
    assert run_at is not None
    return OnceTrigger(run_at=run_at)


class Timed(Protocol):
    """What the scheduling maths reads of a schedule: its trigger and its window."""

    @property
    def trigger(self) -> Trigger: ...
    @property
    def start_at(self) -> datetime | None: ...
    @property
    def end_at(self) -> datetime | None: ...


def next_run_after(schedule: Timed, after: datetime) -> datetime | None:
    """The next fire time strictly after `after`, inside the `start_at`/`end_at` window."""
    if schedule.start_at is not None and after < schedule.start_at:
        after = schedule.start_at - timedelta(microseconds=1)
    candidate = next_fire(schedule.trigger, after)
    if candidate is None or (schedule.end_at is not None and candidate > schedule.end_at):
        return None
    return candidate


def first_run(schedule: Schedule, now: datetime) -> datetime | None:
    """Where `next_run_at` starts for a new (or re-armed) schedule.

    A once/delayed schedule that has not fired keeps its instant even when it is already past:
    the misfire policy then decides whether it still runs. Recurring ones start from now, so
    enabling a schedule never causes a burst of old fires.
    """
    if schedule.trigger_type in SINGLE_SHOT:
        if schedule.status == ScheduleStatus.COMPLETED:
            return None
        return next_run_after(schedule, _BEFORE_EVERYTHING)
    return next_run_after(schedule, now)


def rearm(schedule: Schedule, now: datetime) -> Schedule:
    """Recompute `next_run_at` from now; a schedule with no future fire becomes completed."""
    upcoming = first_run(schedule, now)
    status = schedule.status
    if upcoming is None and status == ScheduleStatus.ACTIVE and schedule.trigger_type != TriggerType.EXTERNAL:
        status = ScheduleStatus.COMPLETED
    # A linked schedule shows when its scheduler will fire it, but Kairos never claims it
    # (`due_at` stays empty): the external scheduler fires it, and Kairos records the fire.
    due = None if schedule.linked else upcoming
    return dataclasses.replace(schedule, next_run_at=upcoming, due_at=due, status=status,
                               updated_at=now)


def set_enabled(schedule: Schedule, enabled: bool, now: datetime) -> Schedule:
    if schedule.enabled == enabled:
        return schedule
    changed = dataclasses.replace(schedule, enabled=enabled, updated_at=now)
    return rearm(changed, now) if enabled else changed


def set_paused(schedule: Schedule, paused: bool, now: datetime) -> Schedule:
    """Pause holds a schedule without turning it off; resuming starts again from now."""
    if schedule.status == ScheduleStatus.COMPLETED:
        return schedule
    target = ScheduleStatus.PAUSED if paused else ScheduleStatus.ACTIVE
    if schedule.status == target:
        return schedule
    changed = dataclasses.replace(schedule, status=target, updated_at=now)
    return changed if paused else rearm(changed, now)
