"""Jobs: creation, listing, cancellation, and the workers' claim/lease/finish protocol."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from kairos.domain.jobs import Job, JobStatus
from kairos.exceptions import Conflict, JobNotFound
from kairos.store.base import JobFilters, JobOutcome, Page, PageResult
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.deliveries import enqueue_webhook_delivery
from kairos.store.sqlalchemy.paging import paginate
from kairos.store.sqlalchemy.results import Comparison, compare_outcome, digest_outcome, write_items
from kairos.store.sqlalchemy.rows import job_from_row, job_to_row
from kairos.store.sqlalchemy.tables import jobs, schedules

UNFINISHED = ("pending", "running")
# Literals, so that SQLite matches the partial indexes `ix_jobs_claimable` and `ix_jobs_leases`.
PENDING = jobs.c.status == sa.literal_column("'pending'")
RUNNING = jobs.c.status == sa.literal_column("'running'")


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
                       jobs.c.status.in_(UNFINISHED))
                .values(status="cancelled", completed_at=now, error_message="cancelled by request")
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
                        running.c.schedule_id == jobs.c.schedule_id, running.c.status == "running"
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
                    status="running",
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
        owned = sa.and_(
            jobs.c.id.in_(job_ids), jobs.c.lease_owner == worker, jobs.c.status == "running"
        )
        with self.db.write() as conn:
            conn.execute(
                jobs.update().where(owned).values(
                    lease_expires_at=now + timedelta(seconds=lease_seconds)
                )
            )
            if progress:
                conn.execute(
                    jobs.update()
                    .where(jobs.c.id == sa.bindparam("b_id"), jobs.c.lease_owner == worker,
                           jobs.c.status == "running")
                    .values(progress=sa.bindparam("b_progress")),
                    [{"b_id": jid, "b_progress": p} for jid, p in progress.items()],
                )
            still_mine = set(conn.scalars(sa.select(jobs.c.id).where(owned)))
        return set(job_ids) - still_mine

    def finish_job(self, job_id: str, worker: str, outcome: JobOutcome, now: datetime) -> bool:
        """Record how a job ended, if this worker still holds it; False means it lost the job.

        In the same transaction: the items and how they compare with the previous run (for a
        completed job), and the webhook delivery (when the schedule has a webhook).
        """
        owned = sa.and_(jobs.c.id == job_id, jobs.c.lease_owner == worker, jobs.c.status == "running")
        comparison: Comparison | None = None
        digested = digest_outcome(outcome) if outcome.status == JobStatus.COMPLETED else None
        with self.db.write() as conn:
            # One read tells both what to compare with and whether anyone is to be told.
            context = conn.execute(
                sa.select(jobs.c.schedule_id, schedules.c.webhook_url)
                .select_from(jobs.outerjoin(schedules, schedules.c.id == jobs.c.schedule_id))
                .where(jobs.c.id == job_id)
            ).first()
            schedule_id, webhook_url = (context.schedule_id, context.webhook_url) if context else (None, None)
            if outcome.retry_at is not None:
                values: dict[str, Any] = {
                    "status": "pending", "attempt": jobs.c.attempt + 1,
                    "run_after": outcome.retry_at, "lease_owner": None,
                    "lease_expires_at": None, "error_message": outcome.error_message,
                }
            else:
                values = {
                    "status": str(outcome.status), "completed_at": now,
                    "lease_expires_at": None, "result": outcome.result,
                    "error_message": outcome.error_message,
                }
                if digested is not None:
                    comparison = compare_outcome(conn, job_id, schedule_id, digested)
                    values.update(item_count=comparison.item_count, content_hash=comparison.digest,
                                  has_changes=comparison.has_changes)
            if outcome.progress is not None:
                values["progress"] = outcome.progress
            finished = bool(conn.execute(jobs.update().where(owned).values(**values)).rowcount)
            if finished and comparison is not None:
                write_items(conn, job_id, comparison)
            if finished and webhook_url and outcome.retry_at is None:
                enqueue_webhook_delivery(conn, job_id, outcome, now, comparison=comparison)
        return finished

    def hand_over_job(self, job_id: str, worker: str, owner: str, task_id: str | None,
                      lease_expires_at: datetime | None, now: datetime) -> bool:
        """Pass a running job's lease from `worker` to `owner` (an outside executor)."""
        owned = sa.and_(jobs.c.id == job_id, jobs.c.lease_owner == worker, RUNNING)
        with self.db.write() as conn:
            moved = conn.execute(jobs.update().where(owned).values(
                lease_owner=owner, lease_expires_at=lease_expires_at, task_id=task_id,
            )).rowcount
        return bool(moved)

    def reap_expired_leases(self, now: datetime) -> int:
        """Resolve jobs whose worker vanished: retried while attempts remain, else failed."""
        expired = sa.and_(RUNNING, jobs.c.lease_expires_at < now)
        message = (
            "the worker running this job stopped responding (its lease expired); "
            "it was probably killed or lost its database connection"
        )
        with self.db.write() as conn:
            retried = conn.execute(
                jobs.update()
                .where(expired, jobs.c.attempt < jobs.c.max_attempts)
                .values(status="pending", attempt=jobs.c.attempt + 1, run_after=now,
                        lease_owner=None, lease_expires_at=None,
                        error_message=message + "; retrying")
            ).rowcount
            failed = conn.execute(
                jobs.update()
                .where(expired)
                .values(status="failed", completed_at=now, lease_expires_at=None,
                        error_message=message)
                .returning(jobs.c.id)
            ).scalars().all()
            # A job that failed this way is reported like any other failed job.
            for job_id in failed:
                enqueue_webhook_delivery(conn, job_id, JobOutcome(status=JobStatus.FAILED), now)
        return int(retried + len(failed))
