"""`start_at` and `end_at` bound when a schedule may fire; both ends are inclusive."""

from __future__ import annotations

import pytest

from kairos.domain.definition import Limits, build_schedule, upcoming_runs
from kairos.domain.firing import ActiveJobs, FireOutcome, PlannedFire, plan_fires
from kairos.domain.schedules import MisfirePolicy, OverlapPolicy, ScheduleStatus, next_run_after
from kairos.exceptions import InvalidInput
from kairos.kinds.catalog import KINDS

from .factories import at, ats, make_schedule

NOW = at("2026-01-05T08:10Z")


def test_a_future_start_defers_the_first_fire() -> None:
    schedule = make_schedule(start_at=at("2026-02-01T10:30Z"))
    assert next_run_after(schedule, NOW) == at("2026-02-01T11:00Z")


def test_a_fire_exactly_at_start_at_counts() -> None:
    schedule = make_schedule(start_at=at("2026-02-01T10:00Z"))
    assert next_run_after(schedule, NOW) == at("2026-02-01T10:00Z")


def test_a_past_start_changes_nothing() -> None:
    schedule = make_schedule(start_at=at("2026-01-01T10:30Z"))
    assert next_run_after(schedule, NOW) == at("2026-01-05T09:00Z")


def test_a_fire_exactly_at_end_at_counts_and_then_the_schedule_completes() -> None:
    schedule = make_schedule(end_at=at("2026-01-05T12:00Z"), next_run_at=at("2026-01-05T12:00Z"))
    plan = plan_fires(schedule, at("2026-01-05T12:00:01Z"), ActiveJobs())
    assert plan.fires == (PlannedFire(at("2026-01-05T12:00Z"), FireOutcome.RUN),)
    assert (plan.next_run_at, plan.status) == (None, ScheduleStatus.COMPLETED)


def test_upcoming_runs_stop_at_end_at() -> None:
    schedule = make_schedule(start_at=at("2026-01-05T09:30Z"), end_at=at("2026-01-05T12:59Z"))
    assert upcoming_runs(schedule, NOW, 10) == ats(
        "2026-01-05T10:00Z", "2026-01-05T11:00Z", "2026-01-05T12:00Z",
    )


def test_run_once_after_an_outage_past_end_at_runs_the_last_fire_inside_the_window() -> None:
    schedule = make_schedule(end_at=at("2026-01-05T12:30Z"), next_run_at=at("2026-01-05T09:00Z"))
    plan = plan_fires(schedule, at("2026-01-05T15:10Z"), ActiveJobs())
    assert plan.fires == (PlannedFire(at("2026-01-05T12:00Z"), FireOutcome.RUN),)
    assert (plan.next_run_at, plan.status) == (None, ScheduleStatus.COMPLETED)


def test_run_all_after_an_outage_past_end_at_stops_at_end_at() -> None:
    schedule = make_schedule(end_at=at("2026-01-05T11:00Z"), next_run_at=at("2026-01-05T09:00Z"),
                             misfire_policy=MisfirePolicy.RUN_ALL, misfire_grace_seconds=86400,
                             overlap_policy=OverlapPolicy.ALLOW)
    plan = plan_fires(schedule, at("2026-01-05T15:10Z"), ActiveJobs())
    assert [f.scheduled_for for f in plan.fires] == ats(
        "2026-01-05T09:00Z", "2026-01-05T10:00Z", "2026-01-05T11:00Z")
    assert plan.status == ScheduleStatus.COMPLETED


def test_a_window_that_is_already_over_creates_a_completed_schedule() -> None:
    schedule = build_schedule(
        {"task": "reports.build", "cron_expression": "0 * * * *", "end_at": at("2026-01-05T08:00Z")},
        schedule_id="sched_1", workspace_id="ws_1", now=NOW, limits=Limits(), kinds=KINDS.rulebook
    )
    assert (schedule.next_run_at, schedule.status) == (None, ScheduleStatus.COMPLETED)


@pytest.mark.parametrize("end_at", ["2026-01-06T00:00Z", "2026-01-05T23:59:59Z"])
def test_end_at_must_be_after_start_at(end_at: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        build_schedule(
            {"task": "reports.build", "cron_expression": "0 * * * *",
             "start_at": at("2026-01-06T00:00Z"), "end_at": at(end_at)},
            schedule_id="sched_1", workspace_id="ws_1", now=NOW, limits=Limits(), kinds=KINDS.rulebook
        )
    assert [(e.loc, e.msg) for e in caught.value.errors] == [(("end_at",), "must be after start_at")]
