"""Webhook deliveries: enqueued with the end of a job, claimed and retried."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kairos.domain.finish import WebhookNotice
from kairos.domain.webhooks import build_summary, webhook_body
from kairos.exceptions import Conflict, DeliveryNotFound, ScheduleNotFound
from kairos.ids import new_id
from kairos.store.delivery import (
    AttemptResult,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    DeliveryTask,
)
from kairos.store.pages import Page, PageResult
from kairos.store.sqlalchemy.database import Database, status_is
from kairos.store.sqlalchemy.delivery_tables import webhook_deliveries as deliveries
from kairos.store.sqlalchemy.paging import paginate
from kairos.store.sqlalchemy.results import Comparison
from kairos.store.sqlalchemy.rows import Row
from kairos.store.sqlalchemy.tables import schedules

# A literal, so that SQLite matches the partial index `ix_webhook_deliveries_due`.
PENDING = status_is(deliveries.c.status, DeliveryStatus.PENDING)


def delivery_from_row(row: Row) -> Delivery:
    return Delivery(
        id=row["id"], workspace_id=row["workspace_id"], schedule_id=row["schedule_id"],
        job_id=row["job_id"], event=row["event"], status=DeliveryStatus(row["status"]),
        attempt_count=row["attempt_count"],
        next_attempt_at=row["next_attempt_at"] if row["status"] == DeliveryStatus.PENDING else None,
        attempts=[DeliveryAttempt.from_json(a) for a in row["attempts"] or []],
        body=row["body"], summary=dict(row["summary"] or {}), created_at=row["created_at"],
        delivered_at=row["delivered_at"],
    )


def enqueue_webhook_delivery(
    conn: Connection, notice: WebhookNotice, now: datetime, *, comparison: Comparison | None = None,
) -> str | None:
    """Queue the webhook a job's `FinishPlan` says to send, in the caller's transaction.

    Nothing is queued when the schedule has no `webhook_url` (any more). The items and what
    changed come from `comparison` (made by `compare_outcome` for a completed job); the body is
    built now, once, and every attempt sends it as it is.
    """
    schedule = conn.execute(
        sa.select(schedules.c.name, schedules.c.webhook_url, schedules.c.webhook_metadata)
        .where(schedules.c.id == notice.schedule_id)
    ).mappings().first()
    if schedule is None or not schedule["webhook_url"]:
        return None
    items: list[Any] = comparison.items if comparison is not None else []
    added = ([item for item, new in zip(items, comparison.diff.added, strict=True) if new]
             if comparison is not None else [])
    body = webhook_body(
        notice, items=items, has_changes=bool(comparison.has_changes) if comparison else False,
        content_hash=comparison.digest if comparison else None,
        metadata=schedule["webhook_metadata"] or {},
    )
    delivery_id = new_id("dlv")
    conn.execute(deliveries.insert().values(
        id=delivery_id, workspace_id=notice.workspace_id, schedule_id=notice.schedule_id,
        job_id=notice.job_id, event=notice.event, status=str(DeliveryStatus.PENDING),
        attempt_count=0, next_attempt_at=now, lease_owner=None, body=body,
        summary=build_summary(schedule_name=schedule["name"], added=added,
                              removed_count=len(comparison.diff.removed) if comparison else 0),
        attempts=[], created_at=now, delivered_at=None,
    ))
    return delivery_id


def _with_unanswered_attempt(conn: Connection, row: Row, now: datetime) -> dict[str, Any]:
    attempts = [*(row["attempts"] or []), DeliveryAttempt.unanswered(now).as_json()]
    count = row["attempt_count"] + 1
    conn.execute(deliveries.update().where(deliveries.c.id == row["id"])
                 .values(attempts=attempts, attempt_count=count))
    return {**row, "attempts": attempts, "attempt_count": count}


class DeliveryStoreMixin:
    db: Database

    def claim_deliveries(
        self, owner: str, now: datetime, limit: int, lease_seconds: float
    ) -> list[DeliveryTask]:
        """Take up to `limit` due deliveries, oldest due first, under a lease.

        The lease is `next_attempt_at` itself, moved to the end of the lease: a sender that dies
        mid-attempt leaves a delivery that falls due again once the lease is over. The attempt is
        recorded here, before it is sent (`DeliveryAttempt.unanswered`, counted in
        `attempt_count`); `record_delivery_attempt` puts its answer in its place. So a crash
        mid-send still leaves the attempt listed.
        """
        due = (
            sa.select(deliveries.c.id)
            .where(PENDING, deliveries.c.next_attempt_at <= now)
            .order_by(deliveries.c.next_attempt_at)
            .limit(limit)
        )
        # Most wake-ups and polls find nothing due: a read answers that without taking the
        # write lock that finishing jobs and firing schedules need (on SQLite, one for all).
        with self.db.read() as conn:
            if conn.execute(due.with_only_columns(sa.literal(1)).limit(1)).first() is None:
                return []
        if self.db.is_postgres:
            due = due.with_for_update(skip_locked=True)
        with self.db.write() as conn:
            leased = conn.execute(
                deliveries.update()
                .where(deliveries.c.id.in_(due.scalar_subquery()))
                .values(lease_owner=owner, next_attempt_at=now + timedelta(seconds=lease_seconds))
                .returning(*deliveries.c)
            ).mappings().all()
            rows = [_with_unanswered_attempt(conn, row, now) for row in leased]
            targets = {
                row["id"]: row for row in conn.execute(
                    sa.select(schedules.c.id, schedules.c.webhook_url, schedules.c.webhook_type,
                              schedules.c.webhook_secret)
                    .where(schedules.c.id.in_({r["schedule_id"] for r in rows}))
                ).mappings()
            } if rows else {}
        tasks = []
        for row in sorted(rows, key=lambda r: r["created_at"]):
            target = targets.get(row["schedule_id"])
            tasks.append(DeliveryTask(
                delivery=delivery_from_row(row),
                url=target["webhook_url"] if target else None,
                webhook_type=(target["webhook_type"] if target else None) or "standard",
                secret=target["webhook_secret"] if target else None,
            ))
        return tasks

    def record_delivery_attempt(
        self, delivery_id: str, owner: str, attempt: DeliveryAttempt, result: AttemptResult,
        next_attempt_at: datetime | None,
    ) -> bool:
        """Save one attempt and what follows it, if `owner` still holds the delivery."""
        owned = sa.and_(deliveries.c.id == delivery_id, deliveries.c.lease_owner == owner, PENDING)
        with self.db.write() as conn:
            query = sa.select(deliveries.c.attempts).where(owned)
            if self.db.is_postgres:
                query = query.with_for_update()
            current = conn.execute(query).first()
            if current is None:
                return False
            # The claim recorded this attempt as unanswered (the last one); its answer replaces it.
            values: dict[str, Any] = {
                "attempts": [*(current[0] or [])[:-1], attempt.as_json()],
                "lease_owner": None,
            }
            if result == AttemptResult.DELIVERED:
                values.update(status=str(DeliveryStatus.DELIVERED), delivered_at=attempt.at, next_attempt_at=None)
            elif result == AttemptResult.RETRY and next_attempt_at is not None:
                values.update(next_attempt_at=next_attempt_at)
            else:
                values.update(status=str(DeliveryStatus.FAILED), next_attempt_at=None)
            updated = conn.execute(deliveries.update().where(owned).values(**values))
        return bool(updated.rowcount)

    def list_deliveries(
        self, workspace_id: str, schedule_id: str, page: Page
    ) -> PageResult[Delivery]:
        query = sa.select(deliveries).where(
            deliveries.c.workspace_id == workspace_id, deliveries.c.schedule_id == schedule_id
        )
        with self.db.read() as conn:
            exists = conn.scalar(sa.select(schedules.c.id).where(
                schedules.c.id == schedule_id, schedules.c.workspace_id == workspace_id))
            if exists is None:
                raise ScheduleNotFound(schedule_id)
            return paginate(conn, query, deliveries.c.id, page, delivery_from_row)

    def get_delivery(self, workspace_id: str, schedule_id: str, delivery_id: str) -> Delivery:
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(deliveries).where(
                    deliveries.c.id == delivery_id, deliveries.c.schedule_id == schedule_id,
                    deliveries.c.workspace_id == workspace_id,
                )
            ).mappings().first()
        if row is None:
            raise DeliveryNotFound(delivery_id)
        return delivery_from_row(row)

    def retry_delivery(
        self, workspace_id: str, schedule_id: str, delivery_id: str, now: datetime
    ) -> Delivery:
        """Make a failed delivery (or a pending one nobody is sending) due now."""
        current = self.get_delivery(workspace_id, schedule_id, delivery_id)
        retryable = sa.or_(
            deliveries.c.status == str(DeliveryStatus.FAILED),
            sa.and_(PENDING, deliveries.c.lease_owner.is_(None)),
        )
        with self.db.write() as conn:
            result = conn.execute(
                deliveries.update()
                .where(deliveries.c.id == current.id, retryable)
                .values(status=str(DeliveryStatus.PENDING), next_attempt_at=now, lease_owner=None)
            )
        if result.rowcount == 0:
            state = "already delivered" if current.status == DeliveryStatus.DELIVERED else "being sent"
            raise Conflict(f"delivery {delivery_id!r} is {state}")
        return self.get_delivery(workspace_id, schedule_id, delivery_id)
