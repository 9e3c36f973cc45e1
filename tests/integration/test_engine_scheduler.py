"""The scheduler loop on a real database and the real clock: fires land on time, once each."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import timedelta

from kairos.engine.scheduler import Scheduler
from kairos.store.base import FireBatch, Page
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.helpers import make_schedule, workspace_id


def test_every_second_schedules_fire_on_time(store: SqlStore) -> None:
    ws = workspace_id(store)
    now = utcnow()
    schedules = [make_schedule(ws, now, cron_expression="* * * * * *", overlap_policy="allow")
                 for _ in range(20)]
    store.add_schedules(schedules)
    batches: list[FireBatch] = []
    scheduler = Scheduler(store, batch_size=7, max_sleep=0.5, on_fired=batches.append)
    thread = threading.Thread(target=scheduler.run, daemon=True)
    thread.start()
    time.sleep(3.2)
    scheduler.stop()
    thread.join(5)

    for schedule in schedules:
        fires = store.list_fires(ws, schedule.id, Page(limit=100)).items
        instants = sorted(f.scheduled_for for f in fires)
        assert len(instants) >= 3
        assert len(set(instants)) == len(instants)
        gaps = {b - a for a, b in itertools.pairwise(instants)}
        assert gaps == {timedelta(seconds=1)}
    lateness = sorted(x for b in batches for x in b.lateness)
    assert lateness[len(lateness) // 2] < 0.5


def test_wake_fires_a_new_schedule_without_waiting_a_full_sleep(store: SqlStore) -> None:
    ws = workspace_id(store)
    scheduler = Scheduler(store, max_sleep=30)
    thread = threading.Thread(target=scheduler.run, daemon=True)
    thread.start()
    time.sleep(0.3)
    schedule = make_schedule(ws, utcnow(), delay_seconds=0)
    store.add_schedules([schedule])
    scheduler.wake()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and store.get_schedule(ws, schedule.id).status != "completed":
        time.sleep(0.05)
    scheduler.stop()
    thread.join(5)
    assert store.get_schedule(ws, schedule.id).status == "completed"
    assert scheduler.fired_total == 1
