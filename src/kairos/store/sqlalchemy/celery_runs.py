"""Jobs that run on a linked Celery fleet: their fires, their task ids and their outcomes.

Such a job is created `running`, held by the pseudo-worker `celery:<link id>` (so Kairos's own
workers never claim it), with `task_id` set before anything is published: whatever event comes
back finds its job. Its lease is long; the link watcher gives up on it first ("outcome unknown").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from kairos.domain.jobs import FireTrigger, Job, JobStatus
from kairos.domain.links import celery_owner
from kairos.domain.schedules import Schedule, next_run_after
from kairos.store.base import JobOutcome
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.rows import job_from_row
from kairos.store.sqlalchemy.tables import fires, jobs, schedules

# How much longer than the outcome timeout the lease runs, so the generic reaper never wins.
LEASE_MARGIN = timedelta(days=1)


class CeleryRunStoreMixin:
    db: Database

    def start_celery_fire(
        self, schedule: Schedule, *, link_id: str, job_id: str, fire_id: str, task_id: str,
        scheduled_for: datetime, trigger: FireTrigger, now: datetime, outcome_timeout: float,
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
            "lease_owner": celery_owner(link_id),
            "lease_expires_at": now + timedelta(seconds=outcome_timeout) + LEASE_MARGIN,
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

    def jobs_by_task_id(self, task_ids: Sequence[str]) -> dict[str, Job]:
        if not task_ids:
            return {}
        with self.db.read() as conn:
            rows = conn.execute(sa.select(jobs).where(jobs.c.task_id.in_(list(task_ids)))).mappings()
            return {row["task_id"]: job_from_row(row) for row in rows}

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

    def give_up_celery_jobs(self, owner_prefix: str, started_before: datetime, now: datetime) -> list[str]:
        """Fail Celery-run jobs with no outcome since `started_before`: "outcome unknown"."""
        with self.db.read() as conn:
            stale = list(conn.scalars(sa.select(jobs.c.id).where(
                jobs.c.status == "running", jobs.c.lease_owner.like(owner_prefix + "%"),
                jobs.c.started_at < started_before)))
            owners = dict(conn.execute(sa.select(jobs.c.id, jobs.c.lease_owner).where(jobs.c.id.in_(stale))).all())
        given_up = []
        for job_id in stale:
            outcome = JobOutcome(status=JobStatus.FAILED, error_message=(
                "outcome unknown: no Celery event or result came back in time (are the workers "
                "running with -E, and is a result backend configured on the link?)"))
            if self.finish_job(job_id, owners[job_id], outcome, now):  # type: ignore[attr-defined]
                given_up.append(job_id)
        return given_up
