"""What a linked scheduler holds, in Kairos's words, and how it differs from Kairos's copy.

Every source (a JSON beat_schedule, redbeat keys, django-celery-beat tables, an app, an
APScheduler job store) is read into `ExternalEntry`s. From here on nothing depends on the source:
an entry becomes schedule fields, and `diff` compares entries with the linked schedules.
Pure functions only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kairos.domain.schedules import Schedule, TriggerType

# The fields `diff` compares, in the order a person reads them.
COMPARED = ("task", "args", "kwargs", "enabled", "trigger_type", "cron_expression", "timezone",
            "interval_seconds", "run_at", "trigger_description", "options")


@dataclass(frozen=True, kw_only=True)
class ExternalEntry:
    """One periodic task of a linked scheduler.

    Exactly one of `cron_expression` / `interval_seconds` / `trigger_description` says when: the
    last one for triggers Kairos cannot express, which makes the entry read-only with
    `read_only_reason` saying why.
    """

    name: str
    task: str
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    cron_expression: str | None = None
    timezone: str = "UTC"
    interval_seconds: int | None = None
    run_at: datetime | None = None
    trigger_description: str | None = None
    # The source's own form of the trigger (a solar event, an APScheduler trigger state), kept so
    # the schedule can show it and a write back does not lose it.
    source_trigger: dict[str, Any] | None = None
    read_only_reason: str | None = None
    # Where the entry lives in its store (a row id, a Redis key, an APScheduler job's next run).
    ref: dict[str, Any] = field(default_factory=dict)

    @property
    def trigger_type(self) -> TriggerType:
        if self.cron_expression is not None:
            return TriggerType.CRON
        if self.interval_seconds is not None:
            return TriggerType.INTERVAL
        if self.run_at is not None:
            return TriggerType.ONCE
        return TriggerType.EXTERNAL


def unexpressible(name: str, task: str, description: str, reason: str, **rest: Any) -> ExternalEntry:
    """An entry whose trigger Kairos cannot compute: imported to be seen and recorded, read-only."""
    return ExternalEntry(name=name, task=task, trigger_description=description,
                         read_only_reason=reason, **rest)


def entry_view(entry: ExternalEntry) -> dict[str, Any]:
    """The compared fields of an entry."""
    return {
        "task": entry.task, "args": list(entry.args), "kwargs": dict(entry.kwargs),
        "enabled": entry.enabled, "trigger_type": str(entry.trigger_type),
        "cron_expression": entry.cron_expression,
        "timezone": entry.timezone if entry.cron_expression is not None else None,
        "interval_seconds": entry.interval_seconds, "run_at": entry.run_at,
        "trigger_description": entry.trigger_description, "options": dict(entry.options),
    }


def schedule_view(schedule: Schedule) -> dict[str, Any]:
    """The compared fields of Kairos's copy, in the shape of `entry_view`."""
    cron = schedule.trigger_type == TriggerType.CRON
    return {
        "task": schedule.payload.get("task"), "args": list(schedule.payload.get("args") or []),
        "kwargs": dict(schedule.payload.get("kwargs") or {}), "enabled": schedule.enabled,
        "trigger_type": str(schedule.trigger_type),
        "cron_expression": schedule.cron_expression if cron else None,
        "timezone": schedule.timezone if cron else None,
        "interval_seconds": schedule.interval_seconds,
        "run_at": schedule.run_at if schedule.trigger_type == TriggerType.ONCE else None,
        "trigger_description": schedule.external.get("trigger_description"),
        "options": dict(schedule.external.get("options") or {}),
    }


def schedule_fields(entry: ExternalEntry, link_type: str) -> dict[str, Any]:
    """Create fields for Kairos's copy of `entry` (checked by `build_schedule` like any other)."""
    values: dict[str, Any] = {
        "name": entry.name, "task": entry.task, "args": list(entry.args),
        "kwargs": dict(entry.kwargs), "enabled": entry.enabled, "scheduler": link_type,
    }
    if entry.cron_expression is not None:
        values.update(cron_expression=entry.cron_expression, timezone=entry.timezone)
    elif entry.interval_seconds is not None:
        values["interval_seconds"] = entry.interval_seconds
    elif entry.run_at is not None:
        values["run_at"] = entry.run_at
    else:
        values["trigger_type"] = TriggerType.EXTERNAL
    return values


def external_fields(entry: ExternalEntry) -> dict[str, Any]:
    """What the schedule keeps of the entry beyond Kairos's own fields."""
    kept: dict[str, Any] = {"entry": entry.name, "options": dict(entry.options)}
    if entry.trigger_description is not None:
        kept["trigger_description"] = entry.trigger_description
    if entry.source_trigger is not None:
        kept["source_trigger"] = entry.source_trigger
    if entry.read_only_reason is not None:
        kept["read_only_reason"] = entry.read_only_reason
    if entry.ref:
        kept["ref"] = entry.ref
    return kept


def entry_of(schedule: Schedule) -> ExternalEntry:
    """The entry Kairos's copy stands for, to write back to a scheduler (`to_scheduler`)."""
    view = schedule_view(schedule)
    return ExternalEntry(
        name=str(schedule.external.get("entry") or schedule.name), task=str(view["task"]),
        args=view["args"], kwargs=view["kwargs"], options=view["options"], enabled=view["enabled"],
        cron_expression=view["cron_expression"], timezone=view["timezone"] or "UTC",
        interval_seconds=view["interval_seconds"], run_at=view["run_at"],
        trigger_description=view["trigger_description"],
        source_trigger=schedule.external.get("source_trigger"),
        read_only_reason=schedule.external.get("read_only_reason"),
        ref=dict(schedule.external.get("ref") or {}),
    )


def entry_name(schedule: Schedule) -> str:
    return str(schedule.external.get("entry") or schedule.name)


@dataclass(frozen=True, kw_only=True)
class Change:
    name: str
    schedule: Schedule
    entry: ExternalEntry
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Diff:
    """Kairos's copy (before) against the scheduler's current state (after)."""

    added: list[ExternalEntry]  # in the scheduler, not (yet) in Kairos
    removed: list[Schedule]  # in Kairos, gone from the scheduler
    changed: list[Change]
    unchanged: int

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff(schedules: Sequence[Schedule], entries: Iterable[ExternalEntry]) -> Diff:
    """Compare a link's schedules with its scheduler's entries, matched by entry name."""
    copies: Mapping[str, Schedule] = {entry_name(s): s for s in schedules}
    seen: set[str] = set()
    added: list[ExternalEntry] = []
    changed: list[Change] = []
    unchanged = 0
    for entry in entries:
        seen.add(entry.name)
        copy = copies.get(entry.name)
        if copy is None:
            added.append(entry)
            continue
        before, after = schedule_view(copy), entry_view(entry)
        fields = [name for name in COMPARED if before[name] != after[name]]
        if fields:
            changed.append(Change(name=entry.name, schedule=copy, entry=entry,
                                  before={n: before[n] for n in fields},
                                  after={n: after[n] for n in fields}))
        else:
            unchanged += 1
    removed = [s for name, s in copies.items() if name not in seen]
    return Diff(added=added, removed=removed, changed=changed, unchanged=unchanged)
