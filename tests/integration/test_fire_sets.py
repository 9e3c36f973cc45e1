"""A batch written as sets records exactly what the row-at-a-time writer and `plan_fires` say.

One mixed batch (interval and cron; overlap allow, skip, queue_one and cancel_previous with a
running job; misfire run_once, skip and run_all after three hours down; an `end_at` reached; a
once schedule; jitter; an edit racing the fire) is fired on two twin databases. The twin holds one
more schedule whose instant was already recorded: the unique key refuses the set insert there,
so that whole batch is written one fire at a time with `job_row`/`fire_row`. Both must agree row
for row, and both must be what the pure plan decided.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from kairos.domain.firing import ActiveJobs, FireTiming, plan_fires
from kairos.domain.schedules import Schedule
from kairos.store.base import FireBatch
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore
from kairos.store.sqlalchemy.tables import fires, jobs, schedules
from tests.conftest import create_postgres_database, drop_postgres_database, migrated_database
from tests.integration.helpers import make_schedule, workspace_id

T0 = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)
T1 = T0 + timedelta(seconds=10)  # every 10 s schedule fires once; some jobs are left running
T2 = T0 + timedelta(hours=3, seconds=30)  # back after three hours down


@pytest.fixture
def twin_url(database_url: str, request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second empty database of the same kind as `database_url`."""
    yield from migrated_database(sa.make_url(database_url).get_backend_name(), request,
                                 tmp_path_factory)


def mixed_schedules(ws: str) -> dict[str, Schedule]:
    every_10 = {"interval_seconds": 10}
    return {
        "interval": make_schedule(ws, T0, **every_10, overlap_policy="allow"),
        "cron": make_schedule(ws, T0, cron_expression="* * * * *", overlap_policy="allow",
                              kwargs={"n": 1}),
        "skip_running": make_schedule(ws, T0, **every_10, overlap_policy="skip"),
        "queue_running": make_schedule(ws, T0, **every_10, overlap_policy="queue_one"),
        "cancel_running": make_schedule(ws, T0, **every_10, overlap_policy="cancel_previous"),
        "run_once": make_schedule(ws, T0, interval_seconds=60, overlap_policy="allow",
                                  misfire_policy="run_once", max_attempts=3, timeout_seconds=20),
        "skip_misfire": make_schedule(ws, T0, interval_seconds=60, overlap_policy="allow",
                                      misfire_policy="skip", misfire_grace_seconds=5),
        "run_all": make_schedule(ws, T0, **every_10, overlap_policy="allow",
                                 misfire_policy="run_all", misfire_grace_seconds=35),
        "end_at": make_schedule(ws, T0, **every_10, overlap_policy="allow",
                                end_at=T0 + timedelta(seconds=45)),
        "once": make_schedule(ws, T0, run_at=T2 - timedelta(seconds=10)),
        "jitter": make_schedule(ws, T0, **every_10, overlap_policy="allow", jitter_seconds=5),
        "edited": make_schedule(ws, T0, **every_10, overlap_policy="allow"),
    }


def active_jobs(store: SqlStore) -> dict[str, ActiveJobs]:
    with store.db.read() as conn:
        rows = conn.execute(sa.select(jobs.c.schedule_id, jobs.c.status, sa.func.count())
                            .where(jobs.c.status.in_(("pending", "running")))
                            .group_by(jobs.c.schedule_id, jobs.c.status)).all()
    counts: dict[str, dict[str, int]] = {}
    for schedule_id, status, n in rows:
        counts.setdefault(schedule_id, {})[status] = n
    return {sid: ActiveJobs(**c) for sid, c in counts.items()}


def leave_running(store: SqlStore, mixed: dict[str, Schedule]) -> None:
    running = [mixed[name].id for name in ("skip_running", "queue_running", "cancel_running")]
    with store.db.write() as conn:
        conn.execute(jobs.update().where(jobs.c.schedule_id.in_(running))
                     .values(status="running", started_at=T1, lease_owner="w1",
                             lease_expires_at=T2 + timedelta(hours=1)))


def plant_duplicate(store: SqlStore, ws: str) -> str:
    """A schedule whose next instant is already recorded, as after an edit back onto it."""
    instant = T2 - timedelta(seconds=5)
    poison = make_schedule(ws, T0, interval_seconds=5, overlap_policy="allow",
                           misfire_policy="run_all", misfire_grace_seconds=60)
    store.add_schedules([dataclasses.replace(poison, next_run_at=instant, due_at=instant)])
    with store.db.write() as conn:
        conn.execute(fires.insert(), {
            "id": "fire_planted", "workspace_id": ws, "schedule_id": poison.id,
            "trigger": "schedule", "scheduled_for": instant, "fired_at": instant,
            "job_id": None, "status": "skipped",
        })
    return poison.id


def run_scenario(store: SqlStore, mixed: dict[str, Schedule], *, plant: bool) -> tuple[FireBatch, str]:
    """Fire at T1, leave three jobs running, then fire at T2 while `edited` is being edited.

    With `plant`, a schedule with an already-recorded instant joins the T2 batch; its id is returned.
    """
    ws = next(iter(mixed.values())).workspace_id
    store.add_schedules(list(mixed.values()))
    store.fire_due(T1, 1000)
    leave_running(store, mixed)
    planted = plant_duplicate(store, ws) if plant else ""
    batches: list[FireBatch] = []

    def edit(current: Schedule) -> Schedule:
        if not batches:  # the scheduler commits its fire between the edit's read and its write
            batches.append(store.fire_due(T2, 1000))
        return dataclasses.replace(current, description="edited while firing", updated_at=T2)

    store.update_schedule(ws, mixed["edited"].id, edit)
    return batches[0], planted


def snapshot(store: SqlStore, leave_out: str, ws: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of schedules, fires and jobs without generated ids, the workspace id as `<ws>`."""
    job_cols = [c for c in jobs.c if c.name != "id"]
    fire_cols = [c for c in fires.c if c.name not in ("id", "job_id")]
    with store.db.read() as conn:
        tables = {
            "schedules": conn.execute(sa.select(schedules).where(schedules.c.id != leave_out)),
            "jobs": conn.execute(sa.select(*job_cols).where(jobs.c.schedule_id != leave_out)),
            "fires": conn.execute(sa.select(*fire_cols, fires.c.job_id.is_not(None))
                                  .where(fires.c.schedule_id != leave_out)),
        }
        return {name: sorted((tuple("<ws>" if v == ws else v for v in row) for row in result), key=repr)
                for name, result in tables.items()}


def test_a_mixed_batch_written_as_sets_matches_the_row_by_row_writer(
    database_url: str, twin_url: str,
) -> None:
    sets, rows = SqlStore(database_url, rng=random.Random(7)), SqlStore(twin_url, rng=random.Random(7))
    try:
        ws, twin_ws = workspace_id(sets, now=T0), workspace_id(rows, now=T0)
        mixed = mixed_schedules(ws)
        twin = {name: dataclasses.replace(s, workspace_id=twin_ws) for name, s in mixed.items()}

        as_sets, _ = run_scenario(sets, mixed, plant=False)
        row_by_row, planted = run_scenario(rows, twin, plant=True)

        assert as_sets.duplicates == 0
        assert row_by_row.duplicates == 1  # the planted instant: that batch went row by row
        # The planted schedule adds one schedule, and one fire and job (at T2) beside its duplicate.
        assert (row_by_row.schedules - 1, row_by_row.fires - 1, row_by_row.jobs - 1) == (
            as_sets.schedules, as_sets.fires, as_sets.jobs)
        assert as_sets.cancelled == row_by_row.cancelled == 1
        ours, theirs = snapshot(sets, "", ws), snapshot(rows, planted, twin_ws)
        for table in ("schedules", "jobs", "fires"):
            assert ours[table] == theirs[table], table
    finally:
        sets.close()
        rows.close()


def test_the_batch_is_what_the_plan_decided(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    mixed = mixed_schedules(ws)
    store.add_schedules(list(mixed.values()))
    store.fire_due(T1, 1000)
    leave_running(store, mixed)
    before = {name: store.get_schedule(ws, s.id) for name, s in mixed.items()}
    active = active_jobs(store)
    plans = {name: plan_fires(FireTiming.of(s), T2, active.get(s.id, ActiveJobs()))
             for name, s in before.items()}
    # The slim timing plans exactly as the full schedule does.
    assert plans == {name: plan_fires(s, T2, active.get(s.id, ActiveJobs())) for name, s in before.items()}

    batch = store.fire_due(T2, 1000)

    assert batch.duplicates == 0
    assert batch.fires == sum(len(p.fires) for p in plans.values())
    with store.db.read() as conn:
        fired = conn.execute(
            sa.select(fires.c.schedule_id, fires.c.scheduled_for, fires.c.status, fires.c.fired_at,
                      jobs.c.wait_for_previous, jobs.c.payload, jobs.c.max_attempts,
                      jobs.c.timeout_seconds, jobs.c.kind, jobs.c.run_after)
            .select_from(fires.outerjoin(jobs, jobs.c.id == fires.c.job_id))
            .where(fires.c.fired_at == T2)
        ).all()
    by_schedule: dict[str, list[Any]] = {}
    for row in fired:
        by_schedule.setdefault(row.schedule_id, []).append(row)
    for name, plan in plans.items():
        schedule = before[name]
        got = sorted(by_schedule.get(schedule.id, []), key=lambda r: r.scheduled_for)
        assert [r.scheduled_for for r in got] == [f.scheduled_for for f in plan.fires], name
        for row, planned in zip(got, plan.fires, strict=True):
            assert (row.status == "skipped") == (planned.outcome == "skip"), name
            if planned.outcome != "skip":
                assert row.wait_for_previous == (planned.outcome == "queue"), name
                assert (row.payload, row.max_attempts, row.timeout_seconds, row.kind, row.run_after) == (
                    schedule.payload, schedule.max_attempts, schedule.timeout_seconds, schedule.kind, T2)
        after = store.get_schedule(ws, schedule.id)
        assert after.next_run_at == plan.next_run_at, name
        assert after.status == plan.status, name
        assert after.version == schedule.version + 1, name
        made = sum(1 for f in plan.fires if f.outcome != "skip")
        assert after.run_count == schedule.run_count + made, name
        assert after.last_run_at == (T2 if made else schedule.last_run_at), name
        if schedule.jitter_seconds == 0:
            assert after.due_at == after.next_run_at, name
        else:
            assert after.next_run_at is not None and after.due_at is not None
            assert timedelta(0) <= after.due_at - after.next_run_at <= timedelta(seconds=5)

    # The cases the batch mixes, spelled out.
    assert [f.outcome for f in plans["skip_running"].fires] == ["skip"]
    assert [f.outcome for f in plans["queue_running"].fires] == ["queue"]
    assert plans["skip_misfire"].fires == () and plans["end_at"].status == "completed"
    assert len(plans["run_all"].fires) == 4 and plans["once"].status == "completed"
    assert batch.cancelled == 1
    assert store.get_schedule(ws, mixed["end_at"].id).next_run_at is None


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    url = create_postgres_database(postgres_admin_url)
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_database(postgres_admin_url, url)


def test_two_schedulers_on_postgres_never_double_fire_a_batch(postgres_url: str) -> None:
    setup = SqlStore(postgres_url)
    ws = workspace_id(setup, now=T0)
    mixed = (
        [make_schedule(ws, T0, interval_seconds=1, overlap_policy="allow") for _ in range(150)]
        + [make_schedule(ws, T0, cron_expression="* * * * * *", overlap_policy="allow")
           for _ in range(100)]
        + [make_schedule(ws, T0, interval_seconds=1, overlap_policy="skip") for _ in range(50)]
    )
    setup.add_schedules(mixed)
    rounds = [T0 + timedelta(seconds=s) for s in (1, 2, 3)]
    barrier = threading.Barrier(2)
    totals: list[FireBatch] = []
    lock = threading.Lock()

    def scheduler() -> None:
        local = SqlStore(postgres_url)
        try:
            for now in rounds:
                barrier.wait()
                while (batch := local.fire_due(now, 40)).schedules:
                    with lock:
                        totals.append(batch)
        finally:
            local.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(b.duplicates for b in totals) == 0
    assert sum(b.fires for b in totals) == len(mixed) * len(rounds)
    with setup.db.read() as conn:
        pairs = conn.execute(sa.select(fires.c.schedule_id, fires.c.scheduled_for)).all()
        states = conn.execute(sa.select(schedules.c.run_count, schedules.c.version,
                                        schedules.c.next_run_at)).all()
        job_count = conn.scalar(sa.select(sa.func.count()).select_from(jobs))
    assert len(pairs) == len(set(pairs)) == len(mixed) * len(rounds)
    # Skip-overlap schedules ran once (their job is still pending), the others every round.
    assert job_count == 250 * 3 + 50
    assert {(v, n) for _, v, n in states} == {(1 + len(rounds), T0 + timedelta(seconds=4))}
    assert sorted(r for r, _, _ in states) == [1] * 50 + [3] * 250
    setup.close()
