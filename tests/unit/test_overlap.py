"""A fire while the previous job is unfinished: skip, allow, queue_one or cancel_previous."""

from __future__ import annotations

import pytest

from kairos.domain.firing import ActiveJobs, FireOutcome, FirePlan, PlannedFire, plan_fires
from kairos.domain.schedules import MisfirePolicy, OverlapPolicy, ScheduleStatus

from .factories import at, make_schedule

DUE = at("2026-01-05T09:00Z")
NOW = at("2026-01-05T09:00:02Z")
RUNNING = ActiveJobs(running=1)


def plan(policy: OverlapPolicy, active: ActiveJobs) -> FirePlan:
    schedule = make_schedule(next_run_at=DUE, overlap_policy=policy)
    return plan_fires(schedule, NOW, active)


def outcomes(result: FirePlan) -> list[FireOutcome]:
    return [f.outcome for f in result.fires]


def test_skip_records_a_skipped_fire_while_a_job_runs() -> None:
    result = plan(OverlapPolicy.SKIP, RUNNING)
    assert result.fires == (PlannedFire(DUE, FireOutcome.SKIP),)
    assert result.cancel_previous is False
    assert result.next_run_at == at("2026-01-05T10:00Z")
    assert result.status == ScheduleStatus.ACTIVE


def test_skip_also_waits_for_a_pending_job() -> None:
    assert outcomes(plan(OverlapPolicy.SKIP, ActiveJobs(pending=1))) == [FireOutcome.SKIP]


@pytest.mark.parametrize("policy", list(OverlapPolicy))
def test_every_policy_runs_when_nothing_is_active(policy: OverlapPolicy) -> None:
    result = plan(policy, ActiveJobs())
    assert result.fires == (PlannedFire(DUE, FireOutcome.RUN),)
    assert result.cancel_previous is False


def test_allow_runs_alongside() -> None:
    result = plan(OverlapPolicy.ALLOW, ActiveJobs(pending=2, running=3))
    assert result.fires == (PlannedFire(DUE, FireOutcome.RUN),)
    assert result.cancel_previous is False


def test_queue_one_queues_behind_the_running_job() -> None:
    assert plan(OverlapPolicy.QUEUE_ONE, RUNNING).fires == (PlannedFire(DUE, FireOutcome.QUEUE),)


def test_queue_one_skips_when_one_is_already_waiting() -> None:
    assert outcomes(plan(OverlapPolicy.QUEUE_ONE, ActiveJobs(pending=1, running=1))) == [
        FireOutcome.SKIP]


def test_queue_one_queues_one_then_skips_within_one_plan() -> None:
    schedule = make_schedule(next_run_at=at("2026-01-05T07:00Z"),
                             misfire_policy=MisfirePolicy.RUN_ALL, misfire_grace_seconds=86400,
                             overlap_policy=OverlapPolicy.QUEUE_ONE)
    result = plan_fires(schedule, NOW, RUNNING)
    assert result.fires == (
        PlannedFire(at("2026-01-05T07:00Z"), FireOutcome.QUEUE),
        PlannedFire(at("2026-01-05T08:00Z"), FireOutcome.SKIP),
        PlannedFire(at("2026-01-05T09:00Z"), FireOutcome.SKIP),
    )


def test_skip_lets_only_the_first_of_a_replay_run() -> None:
    """run_all with overlap skip: the replayed fires would overlap the first, so they skip."""
    schedule = make_schedule(next_run_at=at("2026-01-05T08:00Z"),
                             misfire_policy=MisfirePolicy.RUN_ALL, misfire_grace_seconds=86400)
    assert outcomes(plan_fires(schedule, NOW, ActiveJobs())) == [FireOutcome.RUN, FireOutcome.SKIP]


def test_cancel_previous_runs_and_asks_to_cancel_the_active_job() -> None:
    result = plan(OverlapPolicy.CANCEL_PREVIOUS, RUNNING)
    assert result.fires == (PlannedFire(DUE, FireOutcome.RUN),)
    assert result.cancel_previous is True
    assert plan(OverlapPolicy.CANCEL_PREVIOUS, ActiveJobs(pending=1)).cancel_previous is True


def test_cancel_previous_cancels_nothing_when_nothing_fires() -> None:
    schedule = make_schedule(next_run_at=at("2026-01-05T06:00Z"), overlap_policy=
                             OverlapPolicy.CANCEL_PREVIOUS, misfire_policy=MisfirePolicy.SKIP)
    result = plan_fires(schedule, at("2026-01-05T09:05Z"), RUNNING)
    assert result.fires == ()
    assert result.cancel_previous is False


def test_active_jobs_any() -> None:
    assert not ActiveJobs().any
    assert ActiveJobs(pending=1).any
    assert ActiveJobs(running=1).any
