"""What happens when a schedule falls due: which fires to record, which to run, what comes next.

`plan_fires` is the whole decision, made from data and "now" alone, so that the misfire and
overlap rules are tested with frozen time and the store only has to write the plan down. It reads
a schedule's timing only (`Firing`), so the fire path can plan from `FireTiming`, the few columns
it claims, and leave the schedule's *what* in the database for the INSERT … SELECT that copies it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from kairos.domain.schedules import (
    MisfirePolicy,
    OverlapPolicy,
    Schedule,
    ScheduleStatus,
    Timed,
    TriggerType,
    build_trigger,
    next_run_after,
)
from kairos.domain.triggers import Trigger, previous_fire
from kairos.timeutil import ensure_aware

# `run_all` after a long outage must not flood the workers: past this many, the oldest are dropped.
RUN_ALL_CAP = 1000


class FireOutcome(StrEnum):
    RUN = "run"  # a job is created and may start at once
    QUEUE = "queue"  # a job is created but waits for the schedule's running job to finish
    SKIP = "skip"  # recorded as a skipped fire, no job (overlap policy `skip`)


@dataclass(frozen=True, slots=True)
class PlannedFire:
    scheduled_for: datetime
    outcome: FireOutcome


@dataclass(frozen=True, slots=True)
class FirePlan:
    fires: tuple[PlannedFire, ...]
    next_run_at: datetime | None
    status: ScheduleStatus
    cancel_previous: bool = False


@dataclass(frozen=True, slots=True)
class ActiveJobs:
    """The schedule's jobs that have not finished, as the store counts them at fire time."""

    pending: int = 0
    running: int = 0

    @property
    def any(self) -> bool:
        return self.pending + self.running > 0


class Firing(Timed, Protocol):
    """What `plan_fires` reads: the trigger, the window, where the schedule stands, its policies."""

    @property
    def next_run_at(self) -> datetime | None: ...
    @property
    def status(self) -> ScheduleStatus: ...
    @property
    def misfire_policy(self) -> MisfirePolicy: ...
    @property
    def misfire_grace_seconds(self) -> int: ...
    @property
    def overlap_policy(self) -> OverlapPolicy: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class FireTiming:
    """A schedule's timing and firing state, without its *what*: what the fire path claims.

    It plans exactly as the `Schedule` it was read from would (`of` builds one from a schedule).
    """

    id: str
    workspace_id: str
    trigger_type: TriggerType
    cron_expression: str | None
    timezone: str
    interval_seconds: int | None
    run_at: datetime | None
    start_at: datetime | None
    end_at: datetime | None
    created_at: datetime
    jitter_seconds: int
    misfire_policy: MisfirePolicy
    misfire_grace_seconds: int
    overlap_policy: OverlapPolicy
    status: ScheduleStatus
    next_run_at: datetime | None
    trigger: Trigger = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("run_at", "start_at", "end_at", "created_at", "next_run_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is not UTC:  # what the store reads is UTC already
                object.__setattr__(self, name, ensure_aware(value, name))
        object.__setattr__(self, "trigger", build_trigger(
            self.trigger_type, cron_expression=self.cron_expression, timezone=self.timezone,
            interval_seconds=self.interval_seconds, run_at=self.run_at,
            anchor=self.start_at or self.created_at,
        ))

    @classmethod
    def of(cls, schedule: Schedule) -> FireTiming:
        return cls(**{name: getattr(schedule, name) for name in TIMING_FIELDS})


TIMING_FIELDS = tuple(name for name in FireTiming.__dataclass_fields__ if name != "trigger")


def missed_times(schedule: Firing, now: datetime) -> list[datetime]:
    """The fire times from `next_run_at` up to now that the misfire policy may run, newest last.

    `run_all` gets every one within the grace (at most `RUN_ALL_CAP`); the other policies get
    `next_run_at` and, when later, the newest missed time.
    """
    first = schedule.next_run_at
    if first is None or first > now:
        return []
    if schedule.misfire_policy == MisfirePolicy.RUN_ALL:
        # Older fires fall outside the grace anyway: start the walk there, so that a long outage
        # of a fast schedule costs what the grace holds, not one step per missed second.
        oldest = now - timedelta(seconds=schedule.misfire_grace_seconds)
        current: datetime | None = first
        if first < oldest:
            current = next_run_after(schedule, oldest - timedelta(microseconds=1))
        times: list[datetime] = []
        while current is not None and current <= now:
            times.append(current)
            if len(times) > RUN_ALL_CAP:
                times.pop(0)
            current = next_run_after(schedule, current)
        return times
    # Only the newest missed time matters for the other policies: jump to it directly
    # instead of walking a week of minutely fires.
    # Past `end_at`, the newest is the last fire inside the window, not none at all.
    times = [first]
    latest = previous_fire(schedule.trigger, min(now, schedule.end_at or now))
    if latest is not None and latest > first:
        times.append(latest)
    return times


def _apply_misfire(schedule: Firing, times: list[datetime], now: datetime) -> list[datetime]:
    grace = timedelta(seconds=schedule.misfire_grace_seconds)
    if schedule.misfire_policy == MisfirePolicy.RUN_ONCE:
        return times[-1:]
    if schedule.misfire_policy == MisfirePolicy.SKIP:
        return [t for t in times[-1:] if now - t <= grace]
    return [t for t in times if now - t <= grace]


def plan_fires(schedule: Firing, now: datetime, active: ActiveJobs) -> FirePlan:
    """Decide the fires for a schedule whose `next_run_at` is at or before `now`."""
    first = schedule.next_run_at
    following = next_run_after(schedule, first) if first is not None else None
    if first is not None and first <= now and (following is None or following > now):
        # The usual case, on the fire path for every schedule: one instant is due and the
        # next one is already in the future, so no missed instants need looking for.
        times, upcoming = _apply_misfire(schedule, [first], now), following
    else:
        times = _apply_misfire(schedule, missed_times(schedule, now), now)
        upcoming = next_run_after(schedule, max(now, first or now))
    fires: list[PlannedFire] = []
    pending, running = active.pending, active.running
    policy = schedule.overlap_policy
    for scheduled_for in times:
        if policy == OverlapPolicy.ALLOW or policy == OverlapPolicy.CANCEL_PREVIOUS:
            outcome = FireOutcome.RUN
        elif policy == OverlapPolicy.QUEUE_ONE:
            if pending:
                outcome = FireOutcome.SKIP
            elif running:
                outcome = FireOutcome.QUEUE
            else:
                outcome = FireOutcome.RUN
        else:
            outcome = FireOutcome.SKIP if pending or running else FireOutcome.RUN
        if outcome != FireOutcome.SKIP:
            pending += 1
        fires.append(PlannedFire(scheduled_for, outcome))
    status = ScheduleStatus.COMPLETED if upcoming is None else schedule.status
    return FirePlan(
        fires=tuple(fires),
        next_run_at=upcoming,
        status=status,
        cancel_previous=policy == OverlapPolicy.CANCEL_PREVIOUS and active.any and bool(fires),
    )


def jittered(next_run_at: datetime | None, jitter_seconds: int, rng: random.Random) -> datetime | None:
    """When the scheduler should actually fire: the nominal time plus up to `jitter_seconds`."""
    if next_run_at is None or jitter_seconds <= 0:
        return next_run_at
    return next_run_at + timedelta(seconds=rng.uniform(0, jitter_seconds))
