"""Writing a batch of planned fires as sets: one statement each for the jobs, the fires and the
schedules, whatever the batch holds.

The plan travels as columns in one parameter per column (PostgreSQL arrays read by `unnest`) or
as one JSON array (SQLite, read by `json_each`), so the statements' text never changes with the
batch size and each is prepared once. A job's *what* (kind, payload, attempts, timeout) is
copied by INSERT … SELECT from its schedule's row, which the batch's transaction holds (`FOR
UPDATE` on PostgreSQL, the write lock on SQLite): it never travels through Python.

Each statement states the promise of the row-at-a-time code it replaces (`job_row`, `fire_row`
and the schedules' advance in firing.py); tests/integration/test_fire_sets.py holds them to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from kairos.domain.firing import FireOutcome, FireTiming, PlannedFire
from kairos.domain.jobs import FireStatus, FireTrigger, JobStatus
from kairos.ids import new_id
from kairos.store.sqlalchemy.tables import UTCDateTime

_sqlite_text = UTCDateTime().bind_processor(sqlite.dialect())
assert _sqlite_text is not None
to_sqlite_text: Callable[[datetime | None], str | None] = _sqlite_text

PENDING, SCHEDULE, SKIPPED = str(JobStatus.PENDING), str(FireTrigger.SCHEDULE), str(FireStatus.SKIPPED)


@dataclass(slots=True)
class PlannedFires:
    """One batch's fires as columns, in plan order; `job_ids[i]` is None for a skipped fire."""

    schedule_ids: list[str] = field(default_factory=list)
    workspace_ids: list[str] = field(default_factory=list)
    fire_ids: list[str] = field(default_factory=list)
    job_ids: list[str | None] = field(default_factory=list)
    scheduled_for: list[datetime] = field(default_factory=list)
    waits: list[bool] = field(default_factory=list)

    def add(self, timing: FireTiming, planned: PlannedFire) -> None:
        self.schedule_ids.append(timing.id)
        self.workspace_ids.append(timing.workspace_id)
        self.fire_ids.append(new_id("fire"))
        self.job_ids.append(None if planned.outcome == FireOutcome.SKIP else new_id("job"))
        self.scheduled_for.append(planned.scheduled_for)
        self.waits.append(planned.outcome == FireOutcome.QUEUE)

    def __len__(self) -> int:
        return len(self.fire_ids)

    def runs_by_schedule(self, written: Iterable[int]) -> dict[str, int]:
        """How many jobs the written fires (by index) made, per schedule."""
        runs: dict[str, int] = {}
        for i in written:
            if self.job_ids[i] is not None:
                runs[self.schedule_ids[i]] = runs.get(self.schedule_ids[i], 0) + 1
        return runs


@dataclass(slots=True)
class Advances:
    """Where each claimed schedule goes next: its nominal and jittered next times and status."""

    ids: list[str] = field(default_factory=list)
    next_run_at: list[datetime | None] = field(default_factory=list)
    due_at: list[datetime | None] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)

    def add(self, schedule_id: str, next_run_at: datetime | None, due_at: datetime | None,
            status: str) -> None:
        self.ids.append(schedule_id)
        self.next_run_at.append(next_run_at)
        self.due_at.append(due_at)
        self.statuses.append(status)


# Every column of `jobs` not named here is NULL, as in `job_row`.
_JOB_COLUMNS = ("id, workspace_id, schedule_id, kind, payload, status, attempt, max_attempts, "
                "retry_delay_seconds, timeout_seconds, wait_for_previous, scheduled_for, trigger, "
                "run_after, progress, created_at")
_FIRE_COLUMNS = "id, workspace_id, schedule_id, trigger, scheduled_for, fired_at, job_id, status"

# SQLite: the plan is one JSON array of [schedule_id, workspace_id, fire_id, job_id, scheduled_for,
# wait]; `json_extract` reads an element as SQL (JSON null is NULL, true is 1, as a Boolean column stores
# it). Not `->>`, which needs SQLite 3.38; `UPDATE … FROM` needs 3.33 (`store.py` checks at start).
_SQLITE_JOBS = f"""
INSERT INTO jobs ({_JOB_COLUMNS})
SELECT json_extract(p.value, '$[3]'), s.workspace_id, s.id, s.kind, s.payload, '{PENDING}', 1, s.max_attempts,
       s.retry_delay_seconds, s.timeout_seconds, json_extract(p.value, '$[5]'),
       json_extract(p.value, '$[4]'), '{SCHEDULE}', ?2, '{{}}', ?2
FROM json_each(?1) AS p JOIN schedules AS s ON s.id = json_extract(p.value, '$[0]')
WHERE json_extract(p.value, '$[3]') IS NOT NULL
ORDER BY p.key"""
_SQLITE_FIRES = f"""
INSERT INTO fires ({_FIRE_COLUMNS})
SELECT json_extract(p.value, '$[2]'), json_extract(p.value, '$[1]'), json_extract(p.value, '$[0]'),
       '{SCHEDULE}', json_extract(p.value, '$[4]'), ?2, json_extract(p.value, '$[3]'),
       CASE WHEN json_extract(p.value, '$[3]') IS NULL THEN '{SKIPPED}' END
FROM json_each(?1) AS p
ORDER BY p.key"""
# [id, next_run_at, due_at, status, runs]
_SQLITE_ADVANCE = """
UPDATE schedules SET
  next_run_at = json_extract(p.value, '$[1]'), due_at = json_extract(p.value, '$[2]'),
  status = json_extract(p.value, '$[3]'),
  last_run_at = CASE WHEN json_extract(p.value, '$[4]') > 0 THEN ?2 ELSE last_run_at END,
  run_count = run_count + (json_extract(p.value, '$[4]')), version = version + 1
FROM json_each(?1) AS p
WHERE schedules.id = json_extract(p.value, '$[0]')"""

_PG_PLAN = """unnest(%(schedule_id)s::text[], %(workspace_id)s::text[], %(fire_id)s::text[],
                     %(job_id)s::text[], %(scheduled_for)s::timestamptz[], %(wait)s::boolean[])
     WITH ORDINALITY AS p(schedule_id, workspace_id, fire_id, job_id, scheduled_for, wait, n)"""
_PG_JOBS = f"""
INSERT INTO jobs ({_JOB_COLUMNS})
SELECT p.job_id, s.workspace_id, s.id, s.kind, s.payload, '{PENDING}', 1, s.max_attempts,
       s.retry_delay_seconds, s.timeout_seconds, p.wait, p.scheduled_for, '{SCHEDULE}',
       %(now)s, '{{}}'::jsonb, %(now)s
FROM {_PG_PLAN} JOIN schedules AS s ON s.id = p.schedule_id
WHERE p.job_id IS NOT NULL
ORDER BY p.n"""
_PG_FIRES = f"""
INSERT INTO fires ({_FIRE_COLUMNS})
SELECT p.fire_id, p.workspace_id, p.schedule_id, '{SCHEDULE}', p.scheduled_for, %(now)s, p.job_id,
       CASE WHEN p.job_id IS NULL THEN '{SKIPPED}' END
FROM {_PG_PLAN}
ORDER BY p.n"""
_PG_ADVANCE = """
UPDATE schedules AS s SET
  next_run_at = p.next_run_at, due_at = p.due_at, status = p.status,
  last_run_at = CASE WHEN p.runs > 0 THEN %(now)s ELSE s.last_run_at END,
  run_count = s.run_count + p.runs, version = s.version + 1
FROM unnest(%(id)s::text[], %(next_run_at)s::timestamptz[], %(due_at)s::timestamptz[],
            %(status)s::text[], %(runs)s::int[]) AS p(id, next_run_at, due_at, status, runs)
WHERE s.id = p.id"""


def insert_fires(conn: Connection, now: datetime, planned: PlannedFires) -> None:
    """INSERT every planned fire and the job of each that runs: two statements.

    Raises IntegrityError, writing nothing, when any instant was already recorded (the unique
    key on fires); the caller then writes the batch one fire at a time.
    """
    if conn.dialect.name == "sqlite":
        text = to_sqlite_text
        plan = json.dumps([
            [sid, wid, fid, jid, text(at), wait] for sid, wid, fid, jid, at, wait in zip(
                planned.schedule_ids, planned.workspace_ids, planned.fire_ids, planned.job_ids,
                planned.scheduled_for, planned.waits, strict=True)
        ])
        if any(jid is not None for jid in planned.job_ids):
            conn.exec_driver_sql(_SQLITE_JOBS, (plan, text(now)))
        conn.exec_driver_sql(_SQLITE_FIRES, (plan, text(now)))
        return
    params: dict[str, Any] = {
        "schedule_id": planned.schedule_ids, "workspace_id": planned.workspace_ids,
        "fire_id": planned.fire_ids, "job_id": planned.job_ids,
        "scheduled_for": planned.scheduled_for, "wait": planned.waits, "now": now,
    }
    if any(jid is not None for jid in planned.job_ids):
        conn.exec_driver_sql(_PG_JOBS, params)
    conn.exec_driver_sql(_PG_FIRES, params)


def advance(conn: Connection, now: datetime, advances: Advances, runs: dict[str, int]) -> None:
    """Move every claimed schedule on, in one UPDATE: next times, status, `version + 1`, and for
    those whose fires made jobs, `run_count + jobs` and `last_run_at = now`."""
    counts = [runs.get(sid, 0) for sid in advances.ids]
    if conn.dialect.name == "sqlite":
        text = to_sqlite_text
        rows = []
        for sid, next_at, due, status, count in zip(
                advances.ids, advances.next_run_at, advances.due_at, advances.statuses, counts,
                strict=True):
            next_text = text(next_at)
            rows.append([sid, next_text, next_text if due is next_at else text(due), status, count])
        plan = json.dumps(rows)
        conn.exec_driver_sql(_SQLITE_ADVANCE, (plan, text(now)))
        return
    conn.exec_driver_sql(_PG_ADVANCE, {
        "id": advances.ids, "next_run_at": advances.next_run_at, "due_at": advances.due_at,
        "status": advances.statuses, "runs": counts, "now": now,
    })
