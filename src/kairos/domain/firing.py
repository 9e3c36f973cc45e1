"""What happens when a schedule falls due: which fires to record, which to run, what comes next.

`plan_fires` is the whole decision, made from data and "now" alone, so that the misfire and
overlap rules are tested with frozen time and the store only has to write the plan down.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kairos.domain.schedules import (
    MisfirePolicy,
    OverlapPolicy,
    Schedule,
    ScheduleStatus,
    next_run_after,
)
from kairos.domain.triggers import previous_fire

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


def missed_times(schedule: Schedule, now: datetime) -> list[datetime]:
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


def _apply_misfire(schedule: Schedule, times: list[datetime], now: datetime) -> list[datetime]:
    grace = timedelta(seconds=schedule.misfire_grace_seconds)
    if schedule.misfire_policy == MisfirePolicy.RUN_ONCE:
        return times[-1:]
    if schedule.misfire_policy == MisfirePolicy.SKIP:
        return [t for t in times[-1:] if now - t <= grace]
    return [t for t in times if now - t <= grace]


def plan_fires(schedule: Schedule, now: datetime, active: ActiveJobs) -> FirePlan:
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
