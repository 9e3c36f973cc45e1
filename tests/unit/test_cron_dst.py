"""Cron across daylight-saving changes: a gap runs once right after, an overlap runs once.

Berlin springs forward on 2026-03-29 (02:00 CET -> 03:00 CEST) and falls back on 2026-10-25
(03:00 CEST -> 02:00 CET); New York on 2026-03-08 (02:00 EST -> 03:00 EDT) and 2026-11-01
(02:00 EDT -> 01:00 EST). Every expectation is a real UTC instant.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from kairos.domain.definition import Limits, build_schedule
from kairos.domain.firing import ActiveJobs, FireOutcome, PlannedFire, plan_fires
from kairos.domain.schedules import ScheduleStatus, TriggerType
from kairos.domain.triggers import CronTrigger, next_fire, previous_fire
from kairos.kinds.catalog import KINDS

from .factories import at, ats, cron_fires, make_schedule

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def test_berlin_fixed_time_in_the_spring_gap_runs_once_right_after_it() -> None:
    assert cron_fires("30 2 * * *", "2026-03-27T12:00Z", 3, BERLIN) == ats(
        "2026-03-28T01:30Z",  # 02:30 CET
        "2026-03-29T01:00Z",  # 02:30 does not exist: 03:00 CEST, right after the gap
        "2026-03-30T00:30Z",  # 02:30 CEST
    )


def test_new_york_fixed_time_in_the_spring_gap_runs_once_right_after_it() -> None:
    assert cron_fires("30 2 * * *", "2026-03-06T12:00Z", 3, NEW_YORK) == ats(
        "2026-03-07T07:30Z",  # 02:30 EST
        "2026-03-08T07:00Z",  # 03:00 EDT
        "2026-03-09T06:30Z",  # 02:30 EDT
    )


def test_a_job_just_after_the_gap_is_not_doubled_by_it() -> None:
    assert cron_fires("0 3 * * *", "2026-03-28T12:00Z", 2, BERLIN) == ats(
        "2026-03-29T01:00Z", "2026-03-30T01:00Z",
    )


def test_every_30_minutes_through_the_spring_gap_keeps_real_time_steps() -> None:
    assert cron_fires("*/30 * * * *", "2026-03-28T23:45Z", 5, BERLIN) == ats(
        "2026-03-29T00:00Z",  # 01:00 CET
        "2026-03-29T00:30Z",  # 01:30 CET
        "2026-03-29T01:00Z",  # 03:00 CEST
        "2026-03-29T01:30Z",  # 03:30 CEST
        "2026-03-29T02:00Z",
    )


def test_berlin_fixed_time_in_the_autumn_overlap_runs_once_that_day() -> None:
    assert cron_fires("30 2 * * *", "2026-10-23T12:00Z", 3, BERLIN) == ats(
        "2026-10-24T00:30Z",  # 02:30 CEST
        "2026-10-25T00:30Z",  # the first 02:30 (CEST); the second (01:30Z) does not run
        "2026-10-26T01:30Z",  # 02:30 CET
    )


def test_new_york_fixed_time_in_the_autumn_overlap_runs_once_that_day() -> None:
    assert cron_fires("30 1 * * *", "2026-10-30T12:00Z", 3, NEW_YORK) == ats(
        "2026-10-31T05:30Z",  # 01:30 EDT
        "2026-11-01T05:30Z",  # the first 01:30 (EDT); not again at 06:30Z (01:30 EST)
        "2026-11-02T06:30Z",  # 01:30 EST
    )


def test_every_30_minutes_runs_in_both_passes_of_the_new_york_overlap() -> None:
    fires = cron_fires("*/30 * * * *", "2026-11-01T04:45Z", 5, NEW_YORK)
    assert fires == ats(
        "2026-11-01T05:00Z", "2026-11-01T05:30Z",  # 01:00 and 01:30 EDT
        "2026-11-01T06:00Z", "2026-11-01T06:30Z",  # 01:00 and 01:30 EST
        "2026-11-01T07:00Z",  # 02:00 EST
    )
    local = [f.astimezone(ZoneInfo(NEW_YORK)) for f in fires]
    assert [(t.hour, t.minute) for t in local] == [(1, 0), (1, 30), (1, 0), (1, 30), (2, 0)]
    assert [t.utcoffset() for t in local[:4]] == [timedelta(hours=h) for h in (-4, -4, -5, -5)]


def test_every_30_minutes_runs_in_both_passes_of_the_berlin_overlap() -> None:
    assert cron_fires("*/30 * * * *", "2026-10-24T23:45Z", 5, BERLIN) == ats(
        "2026-10-25T00:00Z", "2026-10-25T00:30Z",  # 02:00 and 02:30 CEST
        "2026-10-25T01:00Z", "2026-10-25T01:30Z",  # 02:00 and 02:30 CET
        "2026-10-25T02:00Z",  # 03:00 CET
    )


def test_hourly_runs_every_real_hour_through_the_overlap() -> None:
    assert cron_fires("0 * * * *", "2026-11-01T04:30Z", 3, NEW_YORK) == ats(
        "2026-11-01T05:00Z", "2026-11-01T06:00Z", "2026-11-01T07:00Z",
    )


@pytest.mark.parametrize(
    ("expression", "timezone", "after", "expected"),
    [
        # From inside the second pass of the repeated hour the fixed-time fire of that day has
        # already happened (in the first pass): the next one is the next day's.
        ("30 1 * * *", NEW_YORK, "2026-11-01T06:10Z", "2026-11-02T06:30Z"),
        ("30 1 * * *", NEW_YORK, "2026-11-01T06:30Z", "2026-11-02T06:30Z"),
        ("30 2 * * *", BERLIN, "2026-10-25T01:10Z", "2026-10-26T01:30Z"),
        ("15,45 1 * * *", NEW_YORK, "2026-11-01T06:20Z", "2026-11-02T06:15Z"),
    ],
)
def test_next_fire_from_the_second_pass_is_strictly_after(
    expression: str, timezone: str, after: str, expected: str
) -> None:
    trigger = CronTrigger(expression=expression, timezone=timezone)
    assert next_fire(trigger, at(after)) == at(expected)


@pytest.mark.parametrize(
    ("expression", "timezone", "at_or_before", "expected"),
    [
        ("30 1 * * *", NEW_YORK, "2026-11-01T06:00Z", "2026-11-01T05:30Z"),
        ("30 1 * * *", NEW_YORK, "2026-11-01T06:45Z", "2026-11-01T05:30Z"),
        ("30 2 * * *", BERLIN, "2026-10-25T01:00Z", "2026-10-25T00:30Z"),
        ("30 2 * * *", BERLIN, "2026-03-29T01:30Z", "2026-03-29T01:00Z"),
        ("30 2 * * *", NEW_YORK, "2026-03-08T08:00Z", "2026-03-08T07:00Z"),
    ],
)
def test_previous_fire_across_dst_is_the_latest_real_fire(
    expression: str, timezone: str, at_or_before: str, expected: str
) -> None:
    trigger = CronTrigger(expression=expression, timezone=timezone)
    assert previous_fire(trigger, at(at_or_before)) == at(expected)


DST_DAYS = [
    (BERLIN, "2026-03-28T12:00Z"),
    (BERLIN, "2026-10-24T12:00Z"),
    (NEW_YORK, "2026-03-07T12:00Z"),
    (NEW_YORK, "2026-10-31T12:00Z"),
]
EXPRESSIONS = [
    "30 1 * * *", "30 2 * * *", "0 1,2 * * *", "15,45 1 * * *", "0-59/20 1-3 * * *",
    "*/30 * * * *", "0 * * * *", "0 */2 * * *", "*/20 1 * * * *",
]


@pytest.mark.parametrize(("timezone", "day"), DST_DAYS)
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_next_and_previous_agree_with_the_fire_sequence(
    expression: str, timezone: str, day: str
) -> None:
    """Around each change, from any instant: next/previous are the neighbours in the sequence."""
    trigger = CronTrigger(expression=expression, timezone=timezone)
    start = at(day)
    sequence = [next_fire(trigger, start - timedelta(days=1))]
    while (last := sequence[-1]) is not None and last < start + timedelta(days=3):
        sequence.append(next_fire(trigger, last))
    fires = [f for f in sequence if f is not None]
    assert fires == sorted(set(fires))
    probe = start
    while probe < start + timedelta(days=2):
        index = bisect_right(fires, probe)
        assert next_fire(trigger, probe) == fires[index], probe
        assert previous_fire(trigger, probe) == fires[index - 1], probe
        probe += timedelta(minutes=7, seconds=13)


def test_a_schedule_created_in_the_second_pass_does_not_start_in_the_past() -> None:
    now = at("2026-11-01T06:10Z")
    schedule = build_schedule(
        {"task": "reports.build", "cron_expression": "30 1 * * *", "timezone": NEW_YORK},
        schedule_id="sched_1", workspace_id="ws_1", now=now, limits=Limits(), kinds=KINDS.rulebook
    )
    assert schedule.next_run_at == at("2026-11-02T06:30Z")


def test_a_late_fire_in_the_second_pass_is_not_repeated() -> None:
    """Jitter (or a slow scheduler) can fire the first-pass 01:30 during the second pass."""
    schedule = make_schedule(cron_expression="30 1 * * *", timezone=NEW_YORK,
                             next_run_at=at("2026-11-01T05:30Z"))
    plan = plan_fires(schedule, at("2026-11-01T06:05Z"), ActiveJobs())
    assert plan.fires == (PlannedFire(at("2026-11-01T05:30Z"), FireOutcome.RUN),)
    assert plan.next_run_at == at("2026-11-02T06:30Z")
    assert plan.status == ScheduleStatus.ACTIVE


def test_run_once_after_an_outage_ending_in_the_second_pass_runs_the_newest_fire() -> None:
    schedule = make_schedule(cron_expression="30 1 * * *", timezone=NEW_YORK,
                             trigger_type=TriggerType.CRON,
                             next_run_at=at("2026-10-31T05:30Z"))
    plan = plan_fires(schedule, at("2026-11-01T06:10Z"), ActiveJobs())
    assert plan.fires == (PlannedFire(at("2026-11-01T05:30Z"), FireOutcome.RUN),)
    assert plan.next_run_at == at("2026-11-02T06:30Z")
