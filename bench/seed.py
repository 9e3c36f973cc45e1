"""Kairos side of the offered load: interval schedules made through `build_schedule`."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bench.load import Load
from kairos.domain.definition import Limits, build_schedule
from kairos.domain.schedules import Schedule
from kairos.ids import new_id
from kairos.kinds.catalog import KINDS
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow

# Every fire creates a job (allow) and none is dropped when late (run_all, a long grace):
# the same promise APScheduler gets with coalesce=False and a large misfire_grace_time.
FIELDS = {"task": "kairos.echo", "overlap_policy": "allow", "misfire_policy": "run_all",
          "misfire_grace_seconds": 3600}
BATCH = 5000


def template(workspace_id: str, interval: int) -> Schedule:
    return build_schedule({**FIELDS, "interval_seconds": interval},
                          schedule_id=new_id("sched"), workspace_id=workspace_id, now=utcnow(),
                          limits=Limits(min_interval_seconds=1), kinds=KINDS.rulebook)


def starting_at(base: Schedule, start: datetime) -> Schedule:
    """`base` as a new schedule anchored at `start` (what `start_at` in the API gives)."""
    return dataclasses.replace(base, id=new_id("sched"), start_at=start, next_run_at=start,
                               due_at=start)


def seed(store: SqlStore, workspace_id: str, load: Load) -> None:
    intervals = {interval for interval, _ in load.entries}
    templates = {interval: template(workspace_id, interval) for interval in intervals}
    for offset in range(0, len(load.entries), BATCH):
        chunk = load.entries[offset:offset + BATCH]
        store.add_schedules([
            starting_at(templates[interval], datetime.fromtimestamp(start, UTC))
            for interval, start in chunk
        ])
