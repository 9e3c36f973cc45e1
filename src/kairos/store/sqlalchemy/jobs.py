"""Jobs: creation, listing, cancellation, and the workers' claim/lease/hand-over protocol.

How a job ends is written by `finishing.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from kairos.domain.jobs import UNFINISHED, Job, JobStatus
from kairos.exceptions import Conflict, JobNotFound
from kairos.store.base import JobFilters, Page, PageResult
from kairos.store.sqlalchemy.database import Database, status_is
from kairos.store.sqlalchemy.paging import paginate
from kairos.store.sqlalchemy.rows import job_from_row, job_to_row
from kairos.store.sqlalchemy.tables import jobs

# Written as literals, so that SQLite matches the partial indexes `ix_jobs_claimable` and
# `ix_jobs_leases`.
PENDING = status_is(jobs.c.status, JobStatus.PENDING)
RUNNING = status_is(jobs.c.status, JobStatus.RUNNING)


class JobStoreMixin:
    db: Database

    def add_job(self, job: Job) -> None:
        with self.db.write() as conn:
            conn.execute(jobs.insert(), job_to_row(job))

    def get_job(self, workspace_id: str, job_id: str) -> Job:
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(jobs).where(jobs.c.id == job_id, jobs.c.workspace_id == workspace_id)
            ).mappings().first()
        if row is None:
            raise JobNotFound(job_id)
        return job_from_row(row)

    def find_job_by_task_id(self, workspace_id: str, task_id: str) -> Job | None:
        """The workspace's job an outside executor knows by `task_id` (set when it was handed over)."""
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(jobs).where(jobs.c.task_id == task_id, jobs.c.workspace_id == workspace_id)
                .order_by(jobs.c.id.desc()).limit(1)
            ).mappings().first()
        return job_from_row(row) if row is not None else None

    def list_jobs(self, workspace_id: str, filters: JobFilters, page: Page) -> PageResult[Job]:
        query = sa.select(jobs).where(jobs.c.workspace_id == workspace_id)
        for name in ("status", "kind", "schedule_id"):
            value = getattr(filters, name)
            if value is not None:
                query = query.where(jobs.c[name] == value)
        with self.db.read() as conn:
            return paginate(conn, query, jobs.c.id, page, job_from_row)

    def cancel_job(self, workspace_id: str, job_id: str, now: datetime) -> Job:
        """Cancel a pending or running job; its worker learns it at its next lease renewal."""
        with self.db.write() as conn:
            result = conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.workspace_id == workspace_id,
                       jobs.c.status.in_([str(s) for s in UNFINISHED]))
                .values(status=str(JobStatus.CANCELLED), completed_at=now,
                        error_message="cancelled by request")
            )
        job = self.get_job(workspace_id, job_id)
        if result.rowcount == 0:
            raise Conflict(f"job {job_id!r} has already finished ({job.status})")
        return job

    def claim_jobs(self, worker: str, now: datetime, limit: int, lease_seconds: float) -> list[Job]:
        """Take up to `limit` pending jobs that are due, oldest first, under a lease."""
        running = jobs.alias("running")
        candidates = (
            sa.select(jobs.c.id)
            .where(
                PENDING,
                jobs.c.run_after <= now,
                sa.or_(
                    sa.not_(jobs.c.wait_for_previous),
                    ~sa.exists().where(
                        running.c.schedule_id == jobs.c.schedule_id,
                        running.c.status == str(JobStatus.RUNNING),
                    ),
                ),
            )
            .order_by(jobs.c.run_after)
            .limit(limit)
        )
        if self.db.is_postgres:
            candidates = candidates.with_for_update(skip_locked=True)
        with self.db.write() as conn:
            rows = conn.execute(
                jobs.update()
                .where(jobs.c.id.in_(candidates.scalar_subquery()))
                .values(
                    status=str(JobStatus.RUNNING),
                    lease_owner=worker,
                    lease_expires_at=now + timedelta(seconds=lease_seconds),
                    started_at=now,
                )
                .returning(*jobs.c)
            ).mappings().all()
        return sorted((job_from_row(row) for row in rows), key=lambda j: j.run_after)

    def renew_leases(
        self,
        worker: str,
        progress: dict[str, dict[str, Any]],
        job_ids: Sequence[str],
        now: datetime,
        lease_seconds: float,
    ) -> set[str]:
        """Extend this worker's leases and save progress; returns the jobs it must stop."""
        if not job_ids:
            return set()
        owned = sa.and_(jobs.c.id.in_(job_ids), jobs.c.lease_owner == worker, RUNNING)
        with self.db.write() as conn:
            conn.execute(
                jobs.update().where(owned).values(
                    lease_expires_at=now + timedelta(seconds=lease_seconds)
                )
            )
            if progress:
                conn.execute(
                    jobs.update()
                    .where(jobs.c.id == sa.bindparam("b_id"), jobs.c.lease_owner == worker, RUNNING)
                    .values(progress=sa.bindparam("b_progress")),
                    [{"b_id": jid, "b_progress": p} for jid, p in progress.items()],
                )
            still_mine = set(conn.scalars(sa.select(jobs.c.id).where(owned)))
        return set(job_ids) - still_mine

    def hand_over_job(self, job_id: str, worker: str, owner: str, task_id: str | None,
                      lease_expires_at: datetime | None, now: datetime) -> bool:
        """Pass a running job's lease from `worker` to `owner` (an outside executor)."""
        owned = sa.and_(jobs.c.id == job_id, jobs.c.lease_owner == worker, RUNNING)
        with self.db.write() as conn:
            moved = conn.execute(jobs.update().where(owned).values(
                lease_owner=owner, lease_expires_at=lease_expires_at, task_id=task_id,
            )).rowcount
        return bool(moved)
