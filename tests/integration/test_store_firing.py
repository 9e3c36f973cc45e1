"""The scheduler's store contract: each due instant fires once, with its job, on every database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from kairos.store.base import Page
from kairos.store.sqlalchemy.store import SqlStore
from kairos.store.sqlalchemy.tables import fires, jobs
from tests.integration.helpers import make_schedule, workspace_id

T0 = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)


def count(store: SqlStore, table: sa.Table) -> int:
    with store.db.read() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def test_due_schedule_fires_once_with_a_job(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    schedule = make_schedule(ws, T0, interval_seconds=10, overlap_policy="allow")
    store.add_schedules([schedule])

    assert store.fire_due(T0 + timedelta(seconds=5), 100).fires == 0
    batch = store.fire_due(T0 + timedelta(seconds=10), 100)
    assert (batch.fires, batch.jobs) == (1, 1)
    assert store.fire_due(T0 + timedelta(seconds=10), 100).fires == 0

    stored = store.get_schedule(ws, schedule.id)
    assert stored.next_run_at == T0 + timedelta(seconds=20)
    assert stored.run_count == 1
    assert stored.last_run_at == T0 + timedelta(seconds=10)
    history = store.list_fires(ws, schedule.id, Page()).items
    assert [f.scheduled_for for f in history] == [T0 + timedelta(seconds=10)]
    assert history[0].job_id is not None and history[0].status == "pending"


def test_a_recorded_instant_is_never_fired_again(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    schedule = make_schedule(ws, T0, interval_seconds=10, overlap_policy="allow")
    store.add_schedules([schedule])
    store.fire_due(T0 + timedelta(seconds=10), 100)
    # Put the schedule back onto the instant it already fired, as an edit or a bug might.
    with store.db.write() as conn:
        conn.execute(sa.text("UPDATE schedules SET next_run_at = :t, due_at = :t"),
                     {"t": (T0 + timedelta(seconds=10)).replace(tzinfo=None)
                      if store.db.dialect == "sqlite" else T0 + timedelta(seconds=10)})
    batch = store.fire_due(T0 + timedelta(seconds=11), 100)
    assert (batch.fires, batch.duplicates) == (0, 1)
    assert count(store, fires) == 1
    assert count(store, jobs) == 1
    assert store.get_schedule(ws, schedule.id).next_run_at == T0 + timedelta(seconds=20)


def test_concurrent_schedulers_never_double_fire(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    store.add_schedules([
        make_schedule(ws, T0, interval_seconds=1, overlap_policy="allow") for _ in range(200)
    ])
    now = T0 + timedelta(seconds=1)
    results: list[int] = []
    lock = threading.Lock()

    def scheduler() -> None:
        local = SqlStore(str(store.db.url.render_as_string(hide_password=False)))
        total = 0
        while True:
            batch = local.fire_due(now, 17)
            total += batch.fires
            if batch.schedules == 0:
                break
        local.close()
        with lock:
            results.append(total)

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 200
    assert count(store, fires) == 200
    with store.db.read() as conn:
        distinct = conn.scalar(sa.select(sa.func.count(sa.distinct(fires.c.schedule_id))))
    assert distinct == 200


def test_overlap_skip_records_a_skipped_fire(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    schedule = make_schedule(ws, T0, interval_seconds=10)  # overlap_policy skip by default
    store.add_schedules([schedule])
    store.fire_due(T0 + timedelta(seconds=10), 100)  # job pending, never claimed
    batch = store.fire_due(T0 + timedelta(seconds=20), 100)
    assert (batch.fires, batch.jobs) == (1, 0)
    statuses = [f.status for f in store.list_fires(ws, schedule.id, Page()).items]
    assert statuses == ["skipped", "pending"]


def test_cancel_previous_cancels_the_running_job(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    schedule = make_schedule(ws, T0, interval_seconds=10, overlap_policy="cancel_previous")
    store.add_schedules([schedule])
    store.fire_due(T0 + timedelta(seconds=10), 100)
    (first,) = store.claim_jobs("w1", T0 + timedelta(seconds=10), 10, 30)
    store.fire_due(T0 + timedelta(seconds=20), 100)
    assert store.get_job(ws, first.id).status == "cancelled"
    assert store.renew_leases("w1", {}, [first.id], T0 + timedelta(seconds=21), 30) == {first.id}


def test_misfire_run_once_coalesces_after_downtime(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    schedule = make_schedule(ws, T0, interval_seconds=60, overlap_policy="allow")
    store.add_schedules([schedule])
    batch = store.fire_due(T0 + timedelta(hours=3, seconds=30), 100)
    assert batch.fires == 1
    (fire,) = store.list_fires(ws, schedule.id, Page()).items
    assert fire.scheduled_for == T0 + timedelta(hours=3)
    assert store.get_schedule(ws, schedule.id).next_run_at == T0 + timedelta(hours=3, minutes=1)


def test_misfire_run_all_replays_every_instant_within_grace(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    schedule = make_schedule(ws, T0, interval_seconds=60, overlap_policy="allow",
                             misfire_policy="run_all", misfire_grace_seconds=600)
    store.add_schedules([schedule])
    batch = store.fire_due(T0 + timedelta(minutes=5, seconds=30), 100)
    assert batch.fires == 5
    times = sorted(f.scheduled_for for f in store.list_fires(ws, schedule.id, Page()).items)
    assert times == [T0 + timedelta(minutes=m) for m in range(1, 6)]


def test_once_schedule_completes(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    schedule = make_schedule(ws, T0, run_at=T0 + timedelta(seconds=5))
    store.add_schedules([schedule])
    assert store.fire_due(T0 + timedelta(seconds=6), 100).fires == 1
    stored = store.get_schedule(ws, schedule.id)
    assert stored.status == "completed"
    assert stored.next_run_at is None
    assert store.next_due_at() is None


def test_manual_trigger_fires_a_paused_schedule(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    schedule = make_schedule(ws, T0, interval_seconds=10, paused=True)
    store.add_schedules([schedule])
    assert store.fire_due(T0 + timedelta(seconds=30), 100).fires == 0
    job = store.fire_now(ws, schedule.id, T0 + timedelta(seconds=31))
    assert job.trigger == "manual" and job.status == "pending"
    (fire,) = store.list_fires(ws, schedule.id, Page()).items
    assert fire.trigger == "manual" and fire.job_id == job.id
    assert store.get_schedule(ws, schedule.id).run_count == 1


def test_a_broken_schedule_is_pushed_forward_not_retried_in_a_loop(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    good = make_schedule(ws, T0, interval_seconds=10, overlap_policy="allow")
    bad = make_schedule(ws, T0, interval_seconds=10, overlap_policy="allow")
    store.add_schedules([good, bad])
    with store.db.write() as conn:
        conn.execute(sa.text("UPDATE schedules SET trigger_type = 'lunar' WHERE id = :id"), {"id": bad.id})
    batch = store.fire_due(T0 + timedelta(seconds=10), 100)
    assert batch.fires == 1
    assert store.fire_due(T0 + timedelta(seconds=11), 100).schedules == 0
    with store.db.read() as conn:
        due = conn.execute(sa.select(sa.text("due_at")).select_from(sa.text("schedules"))
                           .where(sa.text("id = :id")), {"id": bad.id}).scalar()
    assert str(due).startswith("2026-05-04 12:01:10")
