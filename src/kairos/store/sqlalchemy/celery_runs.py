"""Jobs that run on a linked Celery fleet: their fires, their task ids and their outcomes.

Such a job is created `running`, held by the pseudo-worker `celery:<link id>` (so Kairos's own
workers never claim it), with `task_id` set before anything is published: whatever event comes
back finds its job. Its lease never expires; the link watcher gives up on it ("outcome unknown"),
as on a job waiting for a beat or claimed by one (`overdue_link_jobs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from kairos.domain.jobs import FireTrigger, Job
from kairos.domain.links import beat_owner, beat_queue, celery_owner
from kairos.domain.schedules import Schedule, next_run_after
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.rows import job_from_row
from kairos.store.sqlalchemy.tables import fires, jobs, schedules


class CeleryRunStoreMixin:
    db: Database

    def start_celery_fire(
        self, schedule: Schedule, *, link_id: str, job_id: str, fire_id: str, task_id: str,
        scheduled_for: datetime, trigger: FireTrigger, now: datetime,
    ) -> Job | None:
        """Record a fire of `schedule` run by Celery as task `task_id`; None when that fire exists.

        Manual fires are Kairos's own triggers; schedule fires are the beat's, seen in events.
        The schedule's `last_run_at`, `run_count` and shown `next_run_at` move on with it.
        """
        job = {
            "id": job_id, "workspace_id": schedule.workspace_id, "schedule_id": schedule.id,
            "kind": str(schedule.kind), "payload": schedule.payload, "status": "running", "attempt": 1,
            "max_attempts": 1, "retry_delay_seconds": schedule.retry_delay_seconds,
            "timeout_seconds": schedule.timeout_seconds, "wait_for_previous": False,
            "scheduled_for": scheduled_for, "trigger": str(trigger), "run_after": now,
            # The lease never expires: the link watcher ends the job, at the latest after the
            # outcome timeout ("outcome unknown").
            "lease_owner": celery_owner(link_id), "lease_expires_at": None,
            "started_at": now, "progress": {"celery": "sent"}, "task_id": task_id, "created_at": now,
        }
        fire = {"id": fire_id, "workspace_id": schedule.workspace_id, "schedule_id": schedule.id,
                "trigger": str(trigger), "scheduled_for": scheduled_for, "fired_at": now, "job_id": job_id,
                "status": None}
        upcoming = next_run_after(schedule, max(now, scheduled_for)) if schedule.next_run_at is not None else None
        try:
            with self.db.write() as conn:
                conn.execute(jobs.insert(), job)
                conn.execute(fires.insert(), fire)
                conn.execute(schedules.update().where(schedules.c.id == schedule.id).values(
                    run_count=schedules.c.run_count + 1, last_run_at=now, version=schedules.c.version + 1,
                    next_run_at=upcoming if upcoming is not None else schedules.c.next_run_at))
                row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).mappings().one()
        except IntegrityError:
            return None
        return job_from_row(row)

    def note_celery_progress(self, job_id: str, owner: str, progress: dict[str, Any]) -> None:
        with self.db.write() as conn:
            conn.execute(jobs.update().where(jobs.c.id == job_id, jobs.c.lease_owner == owner,
                                             jobs.c.status == "running").values(progress=progress))

    def running_celery_jobs(self, link_id: str, started_before: datetime, limit: int = 100) -> list[Job]:
        """The link's Celery-run jobs still without an outcome, oldest first (for the result backend)."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(jobs).where(
                jobs.c.status == "running", jobs.c.lease_owner == celery_owner(link_id),
                jobs.c.started_at < started_before).order_by(jobs.c.started_at).limit(limit)).mappings()
            return [job_from_row(row) for row in rows]

    def overdue_link_jobs(self, link_id: str, started_before: datetime, limit: int = 100) -> list[tuple[Job, str]]:
        """The link's jobs started before `started_before` and still without an outcome, with their
        holder: waiting for a beat, claimed by one, or run by the fleet (oldest first)."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(jobs).where(
                jobs.c.status == "running", jobs.c.started_at < started_before,
                sa.or_(jobs.c.lease_owner.in_([celery_owner(link_id), beat_queue(link_id)]),
                       jobs.c.lease_owner.like(beat_owner(link_id, "") + "%")),
            ).order_by(jobs.c.started_at).limit(limit)).mappings().all()
        return [(job_from_row(row), str(row["lease_owner"])) for row in rows]

    def record_external_run(self, schedule: Schedule, *, job_id: str, fire_id: str, scheduled_for: datetime,
                            now: datetime, result: dict[str, Any], external: dict[str, Any]) -> bool:
        """Record a run a linked scheduler made and reported no outcome of (APScheduler).

        The fire's job is written as completed with `result` saying what is known; the schedule's
        `external` (where the scheduler's next run was seen) moves on in the same transaction.
        False when that fire is already recorded.
        """
        try:
            with self.db.write() as conn:
                conn.execute(jobs.insert(), {
                    "id": job_id, "workspace_id": schedule.workspace_id, "schedule_id": schedule.id,
                    "kind": str(schedule.kind), "payload": schedule.payload, "status": "completed", "attempt": 1,
                    "max_attempts": 1, "retry_delay_seconds": schedule.retry_delay_seconds,
                    "wait_for_previous": False, "scheduled_for": scheduled_for, "trigger": "schedule",
                    "run_after": now, "started_at": scheduled_for, "completed_at": now, "progress": {},
                    "result": result, "created_at": now})
                conn.execute(fires.insert(), {
                    "id": fire_id, "workspace_id": schedule.workspace_id, "schedule_id": schedule.id,
                    "trigger": "schedule", "scheduled_for": scheduled_for, "fired_at": now, "job_id": job_id,
                    "status": None})
                conn.execute(schedules.update().where(schedules.c.id == schedule.id).values(
                    run_count=schedules.c.run_count + 1, last_run_at=scheduled_for, external=external,
                    version=schedules.c.version + 1))
        except IntegrityError:
            return False
        return True

    def note_external_state(self, schedule_id: str, external: dict[str, Any]) -> None:
        with self.db.write() as conn:
            conn.execute(schedules.update().where(schedules.c.id == schedule_id).values(external=external))

    # --- Kairos as the beat ---------------------------------------------------------------------
    # A job of a `publisher: beat` link waits, running, under `beat-queue:<link>` until a beat
    # claims it (`beat:<link>:<beat>`, with a lease), publishes it and reports (`celery:<link>`).
    # A beat's lease is not a worker's: when it runs out, the link watcher decides from what the
    # worker's events and the result backend say (`expired_beat_claims`), never the lease reaper,
    # since the beat may have published the fire before it died.

    def claim_for_beat(self, link_ids: Sequence[str], beat: str, now: datetime, limit: int,
                       lease_seconds: float) -> list[Job]:
        """Take up to `limit` jobs waiting for a beat of these links, oldest first; one beat each."""
        if not link_ids:
            return []
        claimed: list[Job] = []
        with self.db.write() as conn:
            for link_id in link_ids:
                waiting = sa.select(jobs.c.id).where(
                    jobs.c.status == "running", jobs.c.lease_owner == beat_queue(link_id),
                ).order_by(jobs.c.run_after).limit(limit - len(claimed))
                if self.db.is_postgres:
                    waiting = waiting.with_for_update(skip_locked=True)
                rows = conn.execute(jobs.update().where(
                    jobs.c.id.in_(waiting.scalar_subquery()), jobs.c.lease_owner == beat_queue(link_id),
                ).values(lease_owner=beat_owner(link_id, beat),
                         lease_expires_at=now + timedelta(seconds=lease_seconds)).returning(*jobs.c)).mappings()
                claimed += [job_from_row(row) for row in rows]
                if len(claimed) >= limit:
                    break
        return sorted(claimed, key=lambda j: j.run_after)

    def beat_published(self, link_id: str, beat: str, job_ids: Sequence[str]) -> list[str]:
        """Of the jobs this beat reports published, those it held or the link has taken over.

        A job the beat still holds passes to the link (its events now end it). One the link
        already holds, running or ended, is accepted too: the worker's events named it before
        the report came (`adopt_beat_job`). The others were taken back (the lease ran out).
        """
        if not job_ids:
            return []
        mine = sa.and_(jobs.c.id.in_(list(job_ids)), jobs.c.lease_owner == beat_owner(link_id, beat))
        with self.db.write() as conn:
            conn.execute(jobs.update().where(mine, jobs.c.status == "running").values(
                lease_owner=celery_owner(link_id), lease_expires_at=None))
            return list(conn.execute(sa.select(jobs.c.id).where(
                jobs.c.id.in_(list(job_ids)),
                jobs.c.lease_owner.in_([celery_owner(link_id), beat_owner(link_id, beat)]),
            )).scalars())

    def adopt_beat_job(self, link_id: str, job_id: str) -> bool:
        """A worker's event for a job waiting for, or held by, a beat of this link proves it was published.

        The link takes the job over (its events end it) even if the beat died before reporting,
        or its lease ran out and the job went back to the beat queue: so it is neither published
        again nor left to its lease. (A job's task id is its attempt's own, so no event of another
        attempt matches.)
        """
        with self.db.write() as conn:
            return bool(conn.execute(jobs.update().where(
                jobs.c.id == job_id, jobs.c.status == "running",
                sa.or_(jobs.c.lease_owner.like(beat_owner(link_id, "") + "%"),
                       jobs.c.lease_owner == beat_queue(link_id)),
            ).values(lease_owner=celery_owner(link_id), lease_expires_at=None)).rowcount)

    def expired_beat_claims(self, link_id: str, expired_before: datetime, limit: int = 100) -> list[tuple[Job, str]]:
        """The link's jobs whose beat's lease ran out before `expired_before`, with that beat's owner name."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(jobs).where(
                jobs.c.status == "running", jobs.c.lease_owner.like(beat_owner(link_id, "") + "%"),
                jobs.c.lease_expires_at < expired_before,
            ).order_by(jobs.c.lease_expires_at).limit(limit)).mappings().all()
        return [(job_from_row(row), str(row["lease_owner"])) for row in rows]

    def return_beat_claim(self, link_id: str, job_id: str, owner: str) -> bool:
        """Put a job the beat `owner` still holds back in the link's beat queue, for any beat to claim.

        No crash is counted and no attempt used: the beat, not the task, went away.
        """
        with self.db.write() as conn:
            return bool(conn.execute(jobs.update().where(
                jobs.c.id == job_id, jobs.c.status == "running", jobs.c.lease_owner == owner,
            ).values(lease_owner=beat_queue(link_id), lease_expires_at=None)).rowcount)
