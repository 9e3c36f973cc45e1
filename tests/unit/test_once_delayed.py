"""Once and delayed schedules fire a single time, even late, and then are completed."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from kairos.domain.definition import Limits, apply_changes, build_schedule, upcoming_runs
from kairos.domain.firing import ActiveJobs, FireOutcome, PlannedFire, plan_fires
from kairos.domain.schedules import MisfirePolicy, Schedule, ScheduleStatus, TriggerType, rearm
from kairos.kinds.catalog import KINDS

from .factories import at

NOW = at("2026-01-05T08:00Z")


def build(values: dict[str, object], now: str = "2026-01-05T08:00Z") -> Schedule:
    return build_schedule({"task": "reports.build", **values}, schedule_id="sched_1",
                          workspace_id="ws_1", now=at(now), limits=Limits(), kinds=KINDS.rulebook)


def test_a_future_run_at_is_the_next_run() -> None:
    schedule = build({"run_at": at("2026-01-05T09:30Z")})
    assert schedule.trigger_type == TriggerType.ONCE
    assert (schedule.next_run_at, schedule.status) == (at("2026-01-05T09:30Z"),
                                                       ScheduleStatus.ACTIVE)


def test_it_fires_once_on_time_and_is_completed() -> None:
    schedule = build({"run_at": at("2026-01-05T09:30Z")})
    plan = plan_fires(schedule, at("2026-01-05T09:30:00.200Z"), ActiveJobs())
    assert plan.fires == (PlannedFire(at("2026-01-05T09:30Z"), FireOutcome.RUN),)
    assert plan.next_run_at is None
    assert plan.status == ScheduleStatus.COMPLETED


def test_a_past_run_at_still_fires_once_and_is_completed() -> None:
    schedule = build({"run_at": at("2026-01-05T07:00Z")})
    assert (schedule.next_run_at, schedule.status) == (at("2026-01-05T07:00Z"),
                                                       ScheduleStatus.ACTIVE)
    plan = plan_fires(schedule, NOW, ActiveJobs())
    assert plan.fires == (PlannedFire(at("2026-01-05T07:00Z"), FireOutcome.RUN),)
    assert (plan.next_run_at, plan.status) == (None, ScheduleStatus.COMPLETED)


def test_a_past_run_at_with_misfire_skip_beyond_grace_does_not_run_but_completes() -> None:
    schedule = build({"run_at": at("2026-01-05T07:00Z"), "misfire_policy": "skip",
                      "misfire_grace_seconds": 600})
    plan = plan_fires(schedule, NOW, ActiveJobs())
    assert plan.fires == ()
    assert (plan.next_run_at, plan.status) == (None, ScheduleStatus.COMPLETED)


def test_misfire_skip_within_grace_still_runs() -> None:
    schedule = build({"run_at": at("2026-01-05T07:55Z"), "misfire_policy": MisfirePolicy.SKIP,
                      "misfire_grace_seconds": 600})
    plan = plan_fires(schedule, NOW, ActiveJobs())
    assert plan.fires == (PlannedFire(at("2026-01-05T07:55Z"), FireOutcome.RUN),)


def test_delayed_runs_at_creation_plus_delay() -> None:
    schedule = build({"delay_seconds": 5400}, now="2026-01-05T08:00:10Z")
    assert schedule.trigger_type == TriggerType.DELAYED
    assert schedule.delay_seconds == 5400
    assert schedule.run_at == at("2026-01-05T09:30:10Z")
    assert schedule.next_run_at == at("2026-01-05T09:30:10Z")


def test_a_zero_delay_runs_at_creation() -> None:
    schedule = build({"delay_seconds": 0})
    assert schedule.next_run_at == NOW
    plan = plan_fires(schedule, NOW, ActiveJobs())
    assert plan.fires == (PlannedFire(NOW, FireOutcome.RUN),)
    assert plan.status == ScheduleStatus.COMPLETED


def test_a_completed_schedule_stays_completed_when_rearmed() -> None:
    schedule = build({"run_at": at("2026-01-05T07:00Z")})
    completed = dataclasses.replace(schedule, status=ScheduleStatus.COMPLETED, next_run_at=None)
    rearmed = rearm(completed, at("2026-01-06T00:00Z"))
    assert (rearmed.next_run_at, rearmed.status) == (None, ScheduleStatus.COMPLETED)
    assert upcoming_runs(completed, NOW, 5) == []


def test_upcoming_runs_of_a_pending_once_schedule_is_its_instant() -> None:
    schedule = build({"run_at": at("2026-01-05T07:00Z")})
    assert upcoming_runs(schedule, NOW, 5) == [at("2026-01-05T07:00Z")]


def test_a_new_run_at_reopens_a_completed_once_schedule() -> None:
    schedule = build({"run_at": at("2026-01-05T09:00Z")})
    completed = dataclasses.replace(schedule, status=ScheduleStatus.COMPLETED, next_run_at=None)
    changed = apply_changes(completed, {"run_at": at("2026-01-07T09:00Z")},
                            now=at("2026-01-06T00:00Z"), limits=Limits(), kinds=KINDS.rulebook)
    assert (changed.next_run_at, changed.status) == (at("2026-01-07T09:00Z"),
                                                     ScheduleStatus.ACTIVE)


def test_a_new_delay_counts_from_the_change() -> None:
    schedule = build({"delay_seconds": 3600})
    changed = apply_changes(schedule, {"delay_seconds": 7200}, now=at("2026-01-05T08:30Z"),
                            limits=Limits(), kinds=KINDS.rulebook)
    assert changed.run_at == changed.next_run_at == at("2026-01-05T10:30Z")


def test_editing_the_window_of_a_delayed_schedule_keeps_its_instant() -> None:
    schedule = build({"delay_seconds": 3600})
    later = at("2026-01-05T08:30Z")
    changed = apply_changes(schedule, {"end_at": later + timedelta(days=1)}, now=later,
                            limits=Limits(), kinds=KINDS.rulebook)
    assert changed.run_at == changed.next_run_at == at("2026-01-05T09:00Z")
    renamed = apply_changes(schedule, {"timezone": "Europe/Berlin"}, now=later, limits=Limits(), kinds=KINDS.rulebook)
    assert renamed.run_at == at("2026-01-05T09:00Z")
