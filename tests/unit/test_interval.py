"""Intervals fire at anchor + k * interval: lateness never moves the grid."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from itertools import islice

import pytest

from kairos.domain.definition import Limits, build_schedule
from kairos.domain.firing import ActiveJobs, FireOutcome, PlannedFire, plan_fires
from kairos.domain.schedules import TriggerType, next_run_after
from kairos.domain.triggers import IntervalTrigger, TriggerError, iter_fires, next_fire, previous_fire
from kairos.exceptions import InvalidInput
from kairos.kinds.catalog import KINDS

from .factories import at, ats, make_schedule

ANCHOR = at("2026-01-01T00:00Z")
HOURLY = IntervalTrigger(seconds=3600, anchor=ANCHOR)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("2025-12-31T12:00Z", "2026-01-01T00:00Z"),  # before the anchor: the anchor itself
        ("2026-01-01T00:00Z", "2026-01-01T01:00Z"),  # strictly after
        ("2026-01-01T00:59:59.999999Z", "2026-01-01T01:00Z"),
        ("2026-01-01T10:00Z", "2026-01-01T11:00Z"),
        ("2026-01-01T10:00:00.000001Z", "2026-01-01T11:00Z"),
        ("2026-03-15T07:42:13Z", "2026-03-15T08:00Z"),
    ],
)
def test_next_fire_is_the_next_grid_point(after: str, expected: str) -> None:
    assert next_fire(HOURLY, at(after)) == at(expected)


@pytest.mark.parametrize(
    ("at_or_before", "expected"),
    [
        ("2025-12-31T23:59:59Z", None),
        ("2026-01-01T00:00Z", "2026-01-01T00:00Z"),
        ("2026-01-01T10:00Z", "2026-01-01T10:00Z"),
        ("2026-01-01T10:59:59.999999Z", "2026-01-01T10:00Z"),
    ],
)
def test_previous_fire_is_the_grid_point_at_or_before(at_or_before: str,
                                                      expected: str | None) -> None:
    assert previous_fire(HOURLY, at(at_or_before)) == (at(expected) if expected else None)


def test_an_odd_interval_far_from_its_anchor_stays_on_the_grid() -> None:
    trigger = IntervalTrigger(seconds=7, anchor=at("2026-01-01T00:00:00.250Z"))
    after = trigger.anchor + timedelta(seconds=7 * 1_000_000, milliseconds=500)
    assert next_fire(trigger, after) == trigger.anchor + timedelta(seconds=7 * 1_000_001)
    assert previous_fire(trigger, after) == trigger.anchor + timedelta(seconds=7 * 1_000_000)


def test_iter_fires_steps_one_interval_at_a_time() -> None:
    trigger = IntervalTrigger(seconds=90, anchor=ANCHOR)
    assert list(islice(iter_fires(trigger, at("2026-01-01T00:02:00Z")), 3)) == ats(
        "2026-01-01T00:03:00Z", "2026-01-01T00:04:30Z", "2026-01-01T00:06:00Z",
    )


def test_late_fires_do_not_drift_the_grid() -> None:
    schedule = make_schedule(trigger_type=TriggerType.INTERVAL, cron_expression=None,
                             interval_seconds=3600, next_run_at=at("2026-01-05T09:00Z"))
    for lateness in (timedelta(seconds=45), timedelta(minutes=20), timedelta(seconds=3)):
        due = schedule.next_run_at
        assert due is not None
        plan = plan_fires(schedule, due + lateness, ActiveJobs())
        assert plan.fires == (PlannedFire(due, FireOutcome.RUN),)
        assert plan.next_run_at == due + timedelta(hours=1)
        schedule = dataclasses.replace(schedule, next_run_at=plan.next_run_at)
    assert schedule.next_run_at == at("2026-01-05T12:00Z")


def test_the_anchor_is_the_creation_time_without_start_at() -> None:
    schedule = build_schedule(
        {"task": "reports.build", "interval_seconds": 300},
        schedule_id="sched_1", workspace_id="ws_1", now=at("2026-01-05T08:00:07Z"),
        limits=Limits(), kinds=KINDS.rulebook
    )
    assert schedule.trigger == IntervalTrigger(seconds=300, anchor=at("2026-01-05T08:00:07Z"))
    assert schedule.next_run_at == at("2026-01-05T08:05:07Z")
    assert next_run_after(schedule, at("2026-01-05T09:00:00Z")) == at("2026-01-05T09:00:07Z")


def test_start_at_is_the_anchor_and_the_first_fire() -> None:
    schedule = build_schedule(
        {"task": "reports.build", "interval_seconds": 600, "start_at": at("2026-01-06T00:00:30Z")},
        schedule_id="sched_1", workspace_id="ws_1", now=at("2026-01-05T08:00Z"), limits=Limits(), kinds=KINDS.rulebook
    )
    assert schedule.next_run_at == at("2026-01-06T00:00:30Z")
    assert next_run_after(schedule, at("2026-01-06T00:00:30Z")) == at("2026-01-06T00:10:30Z")


def test_an_interval_must_be_positive() -> None:
    with pytest.raises(TriggerError) as caught:
        IntervalTrigger(seconds=0, anchor=ANCHOR)
    assert (caught.value.field, caught.value.message) == ("interval_seconds", "must be at least 1")


def test_a_naive_anchor_is_refused() -> None:
    with pytest.raises(ValueError, match="anchor must carry a time zone"):
        IntervalTrigger(seconds=60, anchor=ANCHOR.replace(tzinfo=None))


@pytest.mark.parametrize(("seconds", "minimum"), [(30, 60), (59, 60), (299, 300)])
def test_below_the_minimum_interval_is_invalid_input(seconds: int, minimum: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        build_schedule({"task": "reports.build", "interval_seconds": seconds},
                       schedule_id="sched_1", workspace_id="ws_1", now=ANCHOR,
                       limits=Limits(min_interval_seconds=minimum), kinds=KINDS.rulebook)
    assert [(e.loc, e.msg) for e in caught.value.errors] == [
        (("interval_seconds",), f"must be at least {minimum}")]


def test_the_minimum_interval_itself_is_allowed() -> None:
    schedule = build_schedule({"task": "reports.build", "interval_seconds": 5},
                              schedule_id="sched_1", workspace_id="ws_1", now=ANCHOR,
                              limits=Limits(min_interval_seconds=5), kinds=KINDS.rulebook)
    assert schedule.interval_seconds == 5
    assert schedule.next_run_at == at("2026-01-01T00:00:05Z")
