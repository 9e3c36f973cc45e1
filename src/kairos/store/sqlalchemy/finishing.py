"""Writing a job's end: the `FinishPlan` made by `domain.finish.plan_finish`, in one transaction.

The plan decides; this module only writes it: the job's new status and counters, its items and
how they compare with the previous run (for a completed job), and the webhook delivery the plan
asks for. A crash at any point leaves either nothing or all of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from kairos.domain.finish import FinishAction, FinishPlan
from kairos.domain.jobs import Job
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.deliveries import enqueue_webhook_delivery
from kairos.store.sqlalchemy.jobs import RUNNING
from kairos.store.sqlalchemy.results import Comparison, compare_outcome, digest_items, write_items
from kairos.store.sqlalchemy.rows import job_from_row
from kairos.store.sqlalchemy.tables import jobs


def _columns(plan: FinishPlan) -> dict[str, Any]:
    status = plan.status
    assert status is not None, "a DROP plan writes nothing"
    values: dict[str, Any] = {
        "status": str(status), "attempt": plan.attempt, "crashes": plan.crashes,
        "error_message": plan.error_message, "lease_expires_at": None,
    }
    if plan.action == FinishAction.RETRY:
        values.update(run_after=plan.run_after, lease_owner=None)
    else:
        values.update(completed_at=plan.completed_at, result=plan.result)
    if plan.progress is not None:
        values["progress"] = plan.progress
    return values


class FinishStoreMixin:
    db: Database

    def finish_job(self, plan: FinishPlan, owner: str, now: datetime) -> bool:
        """Write `plan` if `owner` still holds the job as the plan found it; False otherwise.

        "As the plan found it": running, leased to `owner`, with the attempt and crash counts the
        plan was made from (so a plan made for an earlier run of the job never lands on a later
        one), and for a vanished worker's plan, with the lease still expired.
        """
        if plan.action == FinishAction.DROP:
            return False
        owned = sa.and_(jobs.c.id == plan.job_id, jobs.c.lease_owner == owner, RUNNING,
                        jobs.c.attempt == plan.from_attempt, jobs.c.crashes == plan.from_crashes)
        if plan.needs_expired_lease:
            owned = sa.and_(owned, jobs.c.lease_expires_at < now)
        values = _columns(plan)
        digested = digest_items(plan.result, plan.items) if plan.action == FinishAction.COMPLETE else None
        comparison: Comparison | None = None
        with self.db.write() as conn:
            if digested is not None:
                comparison = compare_outcome(conn, plan.job_id, plan.schedule_id, digested)
                values.update(item_count=comparison.item_count, content_hash=comparison.digest,
                              has_changes=comparison.has_changes)
            finished = bool(conn.execute(jobs.update().where(owned).values(**values)).rowcount)
            if finished and comparison is not None:
                write_items(conn, plan.job_id, comparison)
            if finished and plan.webhook is not None:
                enqueue_webhook_delivery(conn, plan.webhook, now, comparison=comparison)
        return finished

    def expired_leases(self, now: datetime, limit: int) -> list[tuple[Job, str]]:
        """Running jobs whose lease ran out before `now`, soonest expired first, with their owner.

        Not a beat's claims (`beat:<link>:<beat>`): the link watcher settles those.
        """
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(jobs)
                .where(RUNNING, jobs.c.lease_expires_at < now, ~jobs.c.lease_owner.like("beat:%"))
                .order_by(jobs.c.lease_expires_at)
                .limit(limit)
            ).mappings().all()
        return [(job_from_row(row), str(row["lease_owner"])) for row in rows]
