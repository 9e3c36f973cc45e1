"""What an operator watches, read from the tables at scrape time (each a count on a partial index)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from kairos.store.base import Backlog
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.delivery_tables import webhook_deliveries as deliveries
from kairos.store.sqlalchemy.tables import jobs

# Literals, so that SQLite matches the partial indexes on `status`.
PENDING_JOB = jobs.c.status == sa.literal_column("'pending'")
RUNNING_JOB = jobs.c.status == sa.literal_column("'running'")
PENDING_DELIVERY = deliveries.c.status == sa.literal_column("'pending'")


class GaugeStoreMixin:
    db: Database

    def backlog(self, now: datetime) -> Backlog:
        with self.db.read() as conn:
            pending = conn.scalar(sa.select(sa.func.count()).select_from(jobs).where(
                PENDING_JOB, jobs.c.run_after <= now))
            running = conn.scalar(sa.select(sa.func.count()).select_from(jobs).where(
                RUNNING_JOB, jobs.c.lease_expires_at.is_not(None)))
            due_count, oldest = conn.execute(
                sa.select(sa.func.count(), sa.func.min(deliveries.c.next_attempt_at))
                .where(PENDING_DELIVERY, deliveries.c.next_attempt_at <= now)
            ).one()
        return Backlog(pending_jobs=int(pending or 0), running_jobs=int(running or 0),
                       due_deliveries=int(due_count or 0),
                       oldest_due_delivery_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
