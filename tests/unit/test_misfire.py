"""After downtime: run_once coalesces, skip drops what is past the grace, run_all replays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from kairos.domain import firing
from kairos.domain.firing import RUN_ALL_CAP, ActiveJobs, FireOutcome, PlannedFire, plan_fires
from kairos.domain.schedules import (
    MisfirePolicy,
    OverlapPolicy,
    Schedule,
    ScheduleStatus,
    next_run_after,
)

from .factories import at, ats, make_schedule

# An hourly schedule last due at 09:00; the scheduler comes back at 12:10, 3 h 10 min later.
DOWN_SINCE = at("2026-01-05T09:00Z")
BACK_AT = at("2026-01-05T12:10Z")


def hourly(policy: MisfirePolicy, grace: int = 60) -> Schedule:
    return make_schedule(cron_expression="0 * * * *", next_run_at=DOWN_SINCE,
                         misfire_policy=policy, misfire_grace_seconds=grace,
                         overlap_policy=OverlapPolicy.ALLOW)


def minutely(policy: MisfirePolicy, grace: int = 60) -> Schedule:
    return make_schedule(cron_expression="* * * * *", next_run_at=DOWN_SINCE,
                         misfire_policy=policy, misfire_grace_seconds=grace,
                         overlap_policy=OverlapPolicy.ALLOW)


def times(schedule: Schedule, now: datetime) -> list[datetime]:
    return [f.scheduled_for for f in plan_fires(schedule, now, ActiveJobs()).fires]


def test_run_once_coalesces_the_outage_into_one_fire_at_the_newest_missed_time() -> None:
    plan = plan_fires(hourly(MisfirePolicy.RUN_ONCE), BACK_AT, ActiveJobs())
    assert plan.fires == (PlannedFire(at("2026-01-05T12:00Z"), FireOutcome.RUN),)
    assert plan.next_run_at == at("2026-01-05T13:00Z")
    assert plan.status == ScheduleStatus.ACTIVE


def test_run_once_ignores_the_grace() -> None:
    assert times(hourly(MisfirePolicy.RUN_ONCE, grace=1), BACK_AT) == ats("2026-01-05T12:00Z")


def test_run_once_of_a_minutely_schedule() -> None:
    schedule = minutely(MisfirePolicy.RUN_ONCE)
    assert times(schedule, at("2026-01-05T12:00:30Z")) == ats("2026-01-05T12:00Z")
    assert plan_fires(schedule, at("2026-01-05T12:00:30Z"), ActiveJobs()).next_run_at == at(
        "2026-01-05T12:01Z")


def test_run_once_with_only_the_due_fire_missed_runs_it() -> None:
    assert times(hourly(MisfirePolicy.RUN_ONCE), at("2026-01-05T09:20Z")) == [DOWN_SINCE]


def test_skip_runs_nothing_when_the_newest_miss_is_past_the_grace() -> None:
    plan = plan_fires(hourly(MisfirePolicy.SKIP, grace=300), BACK_AT, ActiveJobs())
    assert plan.fires == ()
    assert plan.next_run_at == at("2026-01-05T13:00Z")
    assert plan.status == ScheduleStatus.ACTIVE


def test_skip_runs_the_newest_miss_within_the_grace_only() -> None:
    assert times(hourly(MisfirePolicy.SKIP, grace=600), BACK_AT) == ats("2026-01-05T12:00Z")
    assert times(hourly(MisfirePolicy.SKIP, grace=600), at("2026-01-05T12:10:01Z")) == []
    assert times(minutely(MisfirePolicy.SKIP), at("2026-01-05T12:00:30Z")) == ats(
        "2026-01-05T12:00Z")


def test_run_all_replays_every_miss_within_the_grace_in_order() -> None:
    assert times(hourly(MisfirePolicy.RUN_ALL, grace=4 * 3600), BACK_AT) == ats(
        "2026-01-05T09:00Z", "2026-01-05T10:00Z", "2026-01-05T11:00Z", "2026-01-05T12:00Z",
    )
    assert times(hourly(MisfirePolicy.RUN_ALL, grace=90 * 60), BACK_AT) == ats(
        "2026-01-05T11:00Z", "2026-01-05T12:00Z",
    )
    assert times(hourly(MisfirePolicy.RUN_ALL, grace=60), BACK_AT) == []


def test_run_all_of_a_minutely_schedule_counts_the_grace_to_the_second() -> None:
    # 12:00:30 - 300 s = 11:55:30, so 11:56 is the oldest fire inside the grace.
    assert times(minutely(MisfirePolicy.RUN_ALL, grace=300), at("2026-01-05T12:00:30Z")) == ats(
        "2026-01-05T11:56Z", "2026-01-05T11:57Z", "2026-01-05T11:58Z", "2026-01-05T11:59Z",
        "2026-01-05T12:00Z",
    )
    # A fire exactly `grace` old is still inside.
    assert times(minutely(MisfirePolicy.RUN_ALL, grace=120), at("2026-01-05T12:00Z")) == ats(
        "2026-01-05T11:58Z", "2026-01-05T11:59Z", "2026-01-05T12:00Z",
    )


def test_run_all_keeps_only_the_newest_fires_past_the_cap() -> None:
    now = at("2026-01-07T09:00Z")
    replayed = times(minutely(MisfirePolicy.RUN_ALL, grace=3 * 86400), now)
    assert len(replayed) == RUN_ALL_CAP
    assert replayed[-1] == now
    assert replayed[0] == now - timedelta(minutes=RUN_ALL_CAP - 1)


def test_run_all_after_a_month_long_outage_only_walks_the_grace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A month of every-second fires is 2.6 million steps; only the last minute can run."""
    calls = 0
    real: Callable[..., Any] = next_run_after

    def counting(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args)

    monkeypatch.setattr(firing, "next_run_after", counting)
    schedule = make_schedule(cron_expression="* * * * * *", next_run_at=at("2026-01-01T00:00Z"),
                             misfire_policy=MisfirePolicy.RUN_ALL, misfire_grace_seconds=60,
                             overlap_policy=OverlapPolicy.ALLOW)
    now = at("2026-02-01T00:00:00.500Z")
    replayed = times(schedule, now)
    assert replayed[0] == at("2026-01-31T23:59:01Z")
    assert replayed[-1] == at("2026-02-01T00:00:00Z")
    assert len(replayed) == 60
    assert calls < 70


@pytest.mark.parametrize("policy", list(MisfirePolicy))
def test_next_run_at_is_always_after_now(policy: MisfirePolicy) -> None:
    for now in (BACK_AT, at("2026-01-05T12:00Z"), at("2026-01-05T09:00Z")):
        plan = plan_fires(hourly(policy, grace=86400), now, ActiveJobs())
        assert plan.next_run_at is not None
        assert plan.next_run_at > now
        assert plan.next_run_at - now <= timedelta(hours=1)


def test_a_schedule_without_next_run_at_plans_nothing() -> None:
    plan = plan_fires(make_schedule(next_run_at=None), BACK_AT, ActiveJobs())
    assert plan.fires == ()
