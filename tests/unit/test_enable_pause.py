"""Disabling or pausing stops fires; enabling or resuming starts again from now, no burst."""

from __future__ import annotations

import dataclasses

from kairos.domain.firing import ActiveJobs, FireOutcome, PlannedFire, plan_fires
from kairos.domain.schedules import (
    ScheduleStatus,
    TriggerType,
    rearm,
    set_enabled,
    set_paused,
)

from .factories import at, make_schedule

NOW = at("2026-01-05T08:10Z")
LATER = at("2026-01-09T17:25Z")  # four days on


def test_disabling_stops_firing_and_keeps_next_run_at() -> None:
    schedule = rearm(make_schedule(), NOW)
    disabled = set_enabled(schedule, False, NOW)
    assert (disabled.enabled, disabled.firing) == (False, False)
    assert disabled.next_run_at == at("2026-01-05T09:00Z")
    assert disabled.updated_at == NOW


def test_enabling_after_a_long_disable_starts_from_now_without_a_burst() -> None:
    disabled = set_enabled(rearm(make_schedule(), NOW), False, NOW)
    enabled = set_enabled(disabled, True, LATER)
    assert enabled.firing
    assert enabled.next_run_at == enabled.due_at == at("2026-01-09T18:00Z")
    assert enabled.updated_at == LATER
    plan = plan_fires(enabled, at("2026-01-09T18:00:01Z"), ActiveJobs())
    assert plan.fires == (PlannedFire(at("2026-01-09T18:00Z"), FireOutcome.RUN),)


def test_enabling_an_interval_schedule_keeps_its_grid() -> None:
    schedule = make_schedule(trigger_type=TriggerType.INTERVAL, cron_expression=None,
                             interval_seconds=7200, start_at=at("2026-01-01T00:30Z"))
    disabled = set_enabled(rearm(schedule, NOW), False, NOW)
    assert set_enabled(disabled, True, LATER).next_run_at == at("2026-01-09T18:30Z")


def test_enabling_an_enabled_schedule_changes_nothing() -> None:
    schedule = rearm(make_schedule(), NOW)
    assert set_enabled(schedule, True, LATER) is schedule


def test_pause_holds_and_resume_starts_from_now() -> None:
    schedule = rearm(make_schedule(), NOW)
    paused = set_paused(schedule, True, NOW)
    assert (paused.status, paused.firing, paused.enabled) == (ScheduleStatus.PAUSED, False, True)
    assert set_paused(paused, True, LATER) is paused
    resumed = set_paused(paused, False, LATER)
    assert (resumed.status, resumed.firing) == (ScheduleStatus.ACTIVE, True)
    assert resumed.next_run_at == at("2026-01-09T18:00Z")


def test_a_completed_schedule_can_be_neither_paused_nor_resumed() -> None:
    completed = dataclasses.replace(make_schedule(), status=ScheduleStatus.COMPLETED)
    assert set_paused(completed, True, NOW) is completed
    assert set_paused(completed, False, NOW) is completed


def test_a_once_schedule_resumed_after_its_instant_still_runs_it_once() -> None:
    schedule = rearm(make_schedule(trigger_type=TriggerType.ONCE, cron_expression=None,
                                   run_at=at("2026-01-06T00:00Z")), NOW)
    paused = set_paused(schedule, True, NOW)
    resumed = set_paused(paused, False, LATER)
    assert resumed.next_run_at == at("2026-01-06T00:00Z")
    plan = plan_fires(resumed, LATER, ActiveJobs())
    assert plan.fires == (PlannedFire(at("2026-01-06T00:00Z"), FireOutcome.RUN),)
    assert plan.status == ScheduleStatus.COMPLETED


def test_rearming_a_schedule_with_no_future_fire_completes_it() -> None:
    schedule = make_schedule(end_at=at("2026-01-05T08:00Z"))
    rearmed = rearm(schedule, NOW)
    assert (rearmed.next_run_at, rearmed.status) == (None, ScheduleStatus.COMPLETED)
    paused = rearm(dataclasses.replace(schedule, status=ScheduleStatus.PAUSED), NOW)
    assert paused.status == ScheduleStatus.PAUSED
