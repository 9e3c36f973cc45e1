"""The scheduler's writes: claim due schedules, record their fires and jobs, move them on.

One transaction per batch holds the claim (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write
lock on SQLite), the fire rows, the job rows and the schedules' new `next_run_at`: a crash
anywhere rolls all of it back and the next scheduler redoes it. The unique key on
(schedule_id, scheduled_for, trigger) makes a second fire for the same instant impossible even
if two schedulers got past the claim.

The claim reads only what planning needs (`FireTiming`); the batch is then written as sets
(fire_sets.py), a fixed handful of statements whatever its size. When an instant of the batch
was already recorded, the batch is written again one fire at a time with the rows built here
(`job_row`, `fire_row`), so that only the duplicates are dropped.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from kairos.domain.firing import TIMING_FIELDS, ActiveJobs, FireTiming, jittered, plan_fires
from kairos.domain.jobs import UNFINISHED, FireStatus, FireTrigger, Job, JobStatus
from kairos.domain.schedules import OverlapPolicy, Schedule
from kairos.exceptions import ScheduleNotFound
from kairos.ids import new_id
from kairos.store.base import FireBatch
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.fire_sets import Advances, PlannedFires, advance, insert_fires
from kairos.store.sqlalchemy.rows import job_from_row, schedule_from_row, timing_from_row
from kairos.store.sqlalchemy.tables import fires, jobs, schedules

# The claim repeats the predicate of the partial index `ix_schedules_due` word for word, with
# literals: SQLite only uses a partial index when the query contains the index's own terms, and
# `enabled = 1 AND status = ?` (what SQLAlchemy would render) would make it scan the table.
FIRING = sa.and_(
    sa.literal_column("schedules.enabled"),
    schedules.c.status == sa.literal_column("'active'"),
    schedules.c.due_at.is_not(None),
)
_TIMING_COLUMNS = [schedules.c[name] for name in TIMING_FIELDS]

# A schedule that cannot be read or planned (a corrupt row, a bug) must not stall the others
# or be retried in a tight loop: it is pushed this far forward and logged each time.
POISON_DELAY = timedelta(minutes=1)
log = logging.getLogger(__name__)

_postpone = (
    sa.update(schedules)
    .where(schedules.c.id == sa.bindparam("b_id"))
    .values(due_at=sa.bindparam("b_due", type_=schedules.c.due_at.type))
)


def _readable(rows: Sequence[Row[Any]]) -> tuple[list[FireTiming], list[str]]:
    timings, broken = [], []
    for row in rows:
        try:
            timings.append(timing_from_row(row))
        except Exception:
            log.exception("schedule %s has a row that cannot be read; retrying it in %s",
                          row.id, POISON_DELAY)
            broken.append(row.id)
    return timings, broken


def job_row(
    schedule: Schedule, scheduled_for: datetime, now: datetime, trigger: FireTrigger, *, wait: bool
) -> dict[str, Any]:
    """The row of a job made by a fire: the schedule's *what*, copied so later edits don't move it."""
    return {
        "id": new_id("job"),
        "workspace_id": schedule.workspace_id,
        "schedule_id": schedule.id,
        "kind": str(schedule.kind),
        "payload": schedule.payload,
        "status": str(JobStatus.PENDING),
        "attempt": 1,
        "max_attempts": schedule.max_attempts,
        "retry_delay_seconds": schedule.retry_delay_seconds,
        "timeout_seconds": schedule.timeout_seconds,
        "wait_for_previous": wait,
        "scheduled_for": scheduled_for,
        "trigger": str(trigger),
        "run_after": now,
        "progress": {},
        "created_at": now,
    }


def fire_row(
    schedule: Schedule, scheduled_for: datetime, now: datetime, trigger: FireTrigger,
    job_id: str | None,
) -> dict[str, Any]:
    return {
        "id": new_id("fire"),
        "workspace_id": schedule.workspace_id,
        "schedule_id": schedule.id,
        "trigger": str(trigger),
        "scheduled_for": scheduled_for,
        "fired_at": now,
        "job_id": job_id,
        "status": None if job_id else str(FireStatus.SKIPPED),
    }


def _active_jobs(conn: Connection, schedule_ids: list[str]) -> dict[str, ActiveJobs]:
    if not schedule_ids:
        return {}
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = conn.execute(
        sa.select(jobs.c.schedule_id, jobs.c.status, sa.func.count())
        .where(jobs.c.schedule_id.in_(schedule_ids), jobs.c.status.in_([str(s) for s in UNFINISHED]))
        .group_by(jobs.c.schedule_id, jobs.c.status)
    )
    for schedule_id, status, count in rows:
        counts[schedule_id][status] = count
    return {
        sid: ActiveJobs(pending=c.get(JobStatus.PENDING, 0), running=c.get(JobStatus.RUNNING, 0))
        for sid, c in counts.items()
    }


def _cancel_previous(conn: Connection, schedule_ids: list[str], now: datetime) -> int:
    if not schedule_ids:
        return 0
    return conn.execute(
        jobs.update()
        .where(jobs.c.schedule_id.in_(schedule_ids), jobs.c.status.in_([str(s) for s in UNFINISHED]))
        .values(status=str(JobStatus.CANCELLED), completed_at=now,
                error_message="cancelled: a newer fire replaced it (overlap_policy cancel_previous)")
    ).rowcount


def _write_fires(conn: Connection, now: datetime, planned: PlannedFires) -> list[int]:
    """Write the planned fires and their jobs; the indexes of those written (duplicates are not)."""
    try:
        with conn.begin_nested():
            insert_fires(conn, now, planned)
        return list(range(len(planned)))
    except IntegrityError:
        pass
    # Rare path: some instant already fired (say the trigger was edited back onto it). Each fire
    # goes in on its own, so only the ones already recorded are dropped.
    wanted = sorted(set(planned.schedule_ids))
    full = {
        row["id"]: schedule_from_row(row)
        for row in conn.execute(sa.select(schedules).where(schedules.c.id.in_(wanted))).mappings()
    }
    written = []
    for i, schedule_id in enumerate(planned.schedule_ids):
        schedule, at = full[schedule_id], planned.scheduled_for[i]
        job = None
        if planned.job_ids[i] is not None:
            job = job_row(schedule, at, now, FireTrigger.SCHEDULE, wait=planned.waits[i])
            job["id"] = planned.job_ids[i]
        fire = fire_row(schedule, at, now, FireTrigger.SCHEDULE, job["id"] if job else None)
        fire["id"] = planned.fire_ids[i]
        try:
            with conn.begin_nested():
                if job is not None:
                    conn.execute(jobs.insert(), job)
                conn.execute(fires.insert(), fire)
            written.append(i)
        except IntegrityError:
            continue
    return written


class FiringStoreMixin:
    db: Database
    rng: random.Random

    def fire_due(self, now: datetime, limit: int) -> FireBatch:
        with self.db.write() as conn:
            query = (
                sa.select(*_TIMING_COLUMNS).where(FIRING, schedules.c.due_at <= now)
                .order_by(schedules.c.due_at).limit(limit)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            rows = conn.execute(query).all()
            if not rows:
                return FireBatch()
            due, broken = _readable(rows)
            active = _active_jobs(
                conn, [t.id for t in due if t.overlap_policy != OverlapPolicy.ALLOW]
            )
            planned, advances = PlannedFires(), Advances()
            cancel_for: list[str] = []
            for timing in due:
                try:
                    plan = plan_fires(timing, now, active.get(timing.id, ActiveJobs()))
                except Exception:
                    log.exception("cannot plan the fires of schedule %s; retrying it in %s",
                                  timing.id, POISON_DELAY)
                    broken.append(timing.id)
                    continue
                if plan.cancel_previous:
                    cancel_for.append(timing.id)
                for fire in plan.fires:
                    planned.add(timing, fire)
                advances.add(timing.id, plan.next_run_at,
                             jittered(plan.next_run_at, timing.jitter_seconds, self.rng),
                             str(plan.status))
            if broken:
                conn.execute(_postpone, [{"b_id": sid, "b_due": now + POISON_DELAY} for sid in broken])
            cancelled = _cancel_previous(conn, cancel_for, now)
            written = _write_fires(conn, now, planned) if len(planned) else []
            runs = planned.runs_by_schedule(written)
            if advances.ids:
                advance(conn, now, advances, runs)
        return FireBatch(
            schedules=len(rows),
            fires=len(written),
            jobs=sum(runs.values()),
            duplicates=len(planned) - len(written),
            cancelled=cancelled,
            lateness=[(now - planned.scheduled_for[i]).total_seconds() for i in written],
        )

    def fire_now(self, workspace_id: str, schedule_id: str, now: datetime) -> Job:
        """A manual fire: runs the schedule's work now, whatever its state or overlap policy."""
        with self.db.write() as conn:
            row = conn.execute(
                sa.select(schedules).where(
                    schedules.c.id == schedule_id, schedules.c.workspace_id == workspace_id
                )
            ).mappings().first()
            if row is None:
                raise ScheduleNotFound(schedule_id)
            schedule = schedule_from_row(row)
            job = job_row(schedule, now, now, FireTrigger.MANUAL, wait=False)
            conn.execute(jobs.insert(), job)
            conn.execute(fires.insert(), fire_row(schedule, now, now, FireTrigger.MANUAL, job["id"]))
            conn.execute(
                schedules.update().where(schedules.c.id == schedule_id).values(
                    run_count=schedules.c.run_count + 1, last_run_at=now,
                    version=schedules.c.version + 1,
                )
            )
            stored = conn.execute(sa.select(jobs).where(jobs.c.id == job["id"])).mappings().one()
        return job_from_row(stored)

    def next_due_at(self) -> datetime | None:
        with self.db.read() as conn:
            value: datetime | None = conn.scalar(sa.select(sa.func.min(schedules.c.due_at)).where(FIRING))
        return value
