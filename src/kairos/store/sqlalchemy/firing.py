"""The scheduler's writes: claim due schedules, record their fires and jobs, move them on.

One transaction per batch holds the claim (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write
lock on SQLite), the fire rows, the job rows and the schedules' new `next_run_at`: a crash
anywhere rolls all of it back and the next scheduler redoes it. The unique key on
(schedule_id, scheduled_for, trigger) makes a second fire for the same instant impossible even
if two schedulers got past the claim.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from kairos.domain.firing import ActiveJobs, FireOutcome, jittered, plan_fires
from kairos.domain.jobs import FireStatus, FireTrigger, Job
from kairos.domain.schedules import OverlapPolicy, Schedule
from kairos.exceptions import ScheduleNotFound
from kairos.ids import new_id
from kairos.store.base import FireBatch
from kairos.store.sqlalchemy.bulk import insert_rows
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.rows import job_from_row, schedule_from_row
from kairos.store.sqlalchemy.tables import fires, jobs, schedules

# The claim repeats the predicate of the partial index `ix_schedules_due` word for word, with
# literals: SQLite only uses a partial index when the query contains the index's own terms, and
# `enabled = 1 AND status = ?` (what SQLAlchemy would render) would make it scan the table.
FIRING = sa.and_(
    sa.literal_column("schedules.enabled"),
    schedules.c.status == sa.literal_column("'active'"),
    schedules.c.due_at.is_not(None),
)

_advance = (
    sa.update(schedules)
    .where(schedules.c.id == sa.bindparam("b_id"))
    .values(
        next_run_at=sa.bindparam("b_next"),
        due_at=sa.bindparam("b_due"),
        status=sa.bindparam("b_status"),
        last_run_at=sa.func.coalesce(sa.bindparam("b_last", type_=schedules.c.last_run_at.type),
                                     schedules.c.last_run_at),
        run_count=schedules.c.run_count + sa.bindparam("b_runs"),
        version=schedules.c.version + 1,
    )
)


# A schedule that cannot be read or planned (a corrupt row, a bug) must not stall the others
# or be retried in a tight loop: it is pushed this far forward and logged each time.
POISON_DELAY = timedelta(minutes=1)
log = logging.getLogger(__name__)

_postpone = (
    sa.update(schedules)
    .where(schedules.c.id == sa.bindparam("b_id"))
    .values(due_at=sa.bindparam("b_due", type_=schedules.c.due_at.type))
)


def _readable(rows: list[RowMapping]) -> tuple[list[Schedule], list[str]]:
    schedules_ok, broken = [], []
    for row in rows:
        try:
            schedules_ok.append(schedule_from_row(row))
        except Exception:
            log.exception("schedule %s has a row that cannot be read; retrying it in %s",
                          row["id"], POISON_DELAY)
            broken.append(row["id"])
    return schedules_ok, broken


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
        "status": "pending",
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
        .where(jobs.c.schedule_id.in_(schedule_ids), jobs.c.status.in_(("pending", "running")))
        .group_by(jobs.c.schedule_id, jobs.c.status)
    )
    for schedule_id, status, count in rows:
        counts[schedule_id][status] = count
    return {
        sid: ActiveJobs(pending=c.get("pending", 0), running=c.get("running", 0))
        for sid, c in counts.items()
    }


def _insert_fires(
    conn: Connection, pairs: list[tuple[dict[str, Any] | None, dict[str, Any]]]
) -> list[tuple[dict[str, Any] | None, dict[str, Any]]]:
    """Insert (job, fire) pairs; returns those written. A duplicate fire drops its job too."""
    try:
        with conn.begin_nested():
            insert_rows(conn, jobs, [j for j, _ in pairs if j is not None])
            insert_rows(conn, fires, [f for _, f in pairs])
        return pairs
    except IntegrityError:
        pass
    # Rare path: some instant already fired (say the trigger was edited back onto it).
    written = []
    for job, fire in pairs:
        try:
            with conn.begin_nested():
                if job is not None:
                    conn.execute(jobs.insert(), job)
                conn.execute(fires.insert(), fire)
            written.append((job, fire))
        except IntegrityError:
            continue
    return written


class FiringStoreMixin:
    db: Database
    rng: random.Random

    def fire_due(self, now: datetime, limit: int) -> FireBatch:
        with self.db.write() as conn:
            query = (
                sa.select(schedules).where(FIRING, schedules.c.due_at <= now)
                .order_by(schedules.c.due_at).limit(limit)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            rows = list(conn.execute(query).mappings())
            if not rows:
                return FireBatch()
            due, broken = _readable(rows)
            if broken:
                conn.execute(_postpone, [{"b_id": sid, "b_due": now + POISON_DELAY} for sid in broken])
            active = _active_jobs(
                conn, [s.id for s in due if s.overlap_policy != OverlapPolicy.ALLOW]
            )
            pairs: list[tuple[dict[str, Any] | None, dict[str, Any]]] = []
            cancel_for: list[str] = []
            updates: dict[str, dict[str, Any]] = {}
            for schedule in due:
                try:
                    plan = plan_fires(schedule, now, active.get(schedule.id, ActiveJobs()))
                except Exception:
                    log.exception("cannot plan the fires of schedule %s; retrying it in %s",
                                  schedule.id, POISON_DELAY)
                    broken.append(schedule.id)
                    conn.execute(_postpone, {"b_id": schedule.id, "b_due": now + POISON_DELAY})
                    continue
                if plan.cancel_previous:
                    cancel_for.append(schedule.id)
                for planned in plan.fires:
                    job = None
                    if planned.outcome != FireOutcome.SKIP:
                        job = job_row(schedule, planned.scheduled_for, now, FireTrigger.SCHEDULE,
                                      wait=planned.outcome == FireOutcome.QUEUE)
                    pairs.append((job, fire_row(schedule, planned.scheduled_for, now,
                                                FireTrigger.SCHEDULE, job["id"] if job else None)))
                updates[schedule.id] = {
                    "b_id": schedule.id,
                    "b_next": plan.next_run_at,
                    "b_due": jittered(plan.next_run_at, schedule.jitter_seconds, self.rng),
                    "b_status": str(plan.status),
                    "b_last": None,
                    "b_runs": 0,
                }
            cancelled = 0
            if cancel_for:
                cancelled = conn.execute(
                    jobs.update()
                    .where(jobs.c.schedule_id.in_(cancel_for), jobs.c.status.in_(("pending", "running")))
                    .values(status="cancelled", completed_at=now,
                            error_message="cancelled: a newer fire replaced it "
                                          "(overlap_policy cancel_previous)")
                ).rowcount
            written = _insert_fires(conn, pairs) if pairs else []
            for job, fire in written:
                if job is not None:
                    update = updates[fire["schedule_id"]]
                    update["b_runs"] += 1
                    update["b_last"] = now
            if updates:
                conn.execute(_advance, list(updates.values()))
        return FireBatch(
            schedules=len(rows),
            fires=len(written),
            jobs=sum(1 for job, _ in written if job is not None),
            duplicates=len(pairs) - len(written),
            cancelled=cancelled,
            lateness=[(now - fire["scheduled_for"]).total_seconds() for _, fire in written],
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
