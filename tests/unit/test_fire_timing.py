"""The fire path plans from `FireTiming`, the few columns it claims: it must plan as the schedule does."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from kairos.domain.firing import ActiveJobs, FireTiming, plan_fires
from kairos.domain.schedules import MisfirePolicy, OverlapPolicy, Schedule, TriggerType

from .factories import at, make_schedule

NOW = at("2026-11-01T06:05:30Z")  # just after a DST overlap in New York
SCHEDULES = {
    "hourly cron, run_once after downtime": make_schedule(next_run_at=at("2026-11-01T01:00Z")),
    "cron in New York across DST, run_all": make_schedule(
        cron_expression="*/30 1 * * *", timezone="America/New_York",
        next_run_at=at("2026-11-01T05:00Z"), misfire_policy=MisfirePolicy.RUN_ALL,
        misfire_grace_seconds=7200),
    "interval with start_at and end_at, skip misfire": make_schedule(
        trigger_type=TriggerType.INTERVAL, cron_expression=None, interval_seconds=7,
        start_at=at("2026-11-01T06:00:03Z"), end_at=at("2026-11-01T06:05:20Z"),
        next_run_at=at("2026-11-01T06:04:59Z"), misfire_policy=MisfirePolicy.SKIP,
        misfire_grace_seconds=30),
    "interval anchored at creation, queue_one": make_schedule(
        trigger_type=TriggerType.INTERVAL, cron_expression=None, interval_seconds=60,
        next_run_at=at("2026-11-01T06:05Z"), overlap_policy=OverlapPolicy.QUEUE_ONE),
    "once, in the past": make_schedule(
        trigger_type=TriggerType.ONCE, cron_expression=None, run_at=NOW - timedelta(minutes=3),
        next_run_at=NOW - timedelta(minutes=3), misfire_grace_seconds=600),
}


@pytest.mark.parametrize("schedule", SCHEDULES.values(), ids=SCHEDULES.keys())
@pytest.mark.parametrize("active", [ActiveJobs(), ActiveJobs(running=1), ActiveJobs(pending=1)])
def test_the_timing_plans_as_the_schedule(schedule: Schedule, active: ActiveJobs) -> None:
    timing = FireTiming.of(schedule)
    assert plan_fires(timing, NOW, active) == plan_fires(schedule, NOW, active)
    assert plan_fires(schedule, NOW, active).fires or schedule.misfire_policy == MisfirePolicy.SKIP


def test_a_naive_instant_is_refused() -> None:
    timing = FireTiming.of(make_schedule(next_run_at=at("2026-11-01T01:00Z")))
    with pytest.raises(ValueError, match="next_run_at"):
        dataclasses.replace(timing, next_run_at=at("2026-11-01T01:00Z").replace(tzinfo=None))
