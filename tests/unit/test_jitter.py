"""Jitter moves when the scheduler fires, never the nominal `next_run_at` of the grid."""

from __future__ import annotations

import random
from datetime import timedelta

from kairos.domain.firing import ActiveJobs, jittered, plan_fires
from kairos.domain.schedules import rearm

from .factories import at, make_schedule

NOMINAL = at("2026-01-05T09:00Z")


def test_no_jitter_is_the_nominal_time() -> None:
    assert jittered(NOMINAL, 0, random.Random(1)) == NOMINAL
    assert jittered(None, 30, random.Random(1)) is None


def test_jitter_adds_up_to_its_seconds() -> None:
    expected = NOMINAL + timedelta(seconds=random.Random(7).uniform(0, 30))
    assert jittered(NOMINAL, 30, random.Random(7)) == expected
    rng = random.Random(11)
    for _ in range(200):
        value = jittered(NOMINAL, 30, rng)
        assert value is not None
        assert NOMINAL <= value <= NOMINAL + timedelta(seconds=30)


def test_a_jittered_late_fire_keeps_the_nominal_schedule() -> None:
    schedule = rearm(make_schedule(jitter_seconds=600), at("2026-01-05T08:10Z"))
    assert schedule.next_run_at == schedule.due_at == NOMINAL
    plan = plan_fires(schedule, NOMINAL + timedelta(seconds=431), ActiveJobs())
    assert [f.scheduled_for for f in plan.fires] == [NOMINAL]
    assert plan.next_run_at == at("2026-01-05T10:00Z")
