"""The table of webhook deliveries.

Attempts are kept as a JSON list on the delivery row rather than in a table of their own: a
delivery has a handful of attempts at most (the backoff schedule bounds them), they are always
read together with it, and each attempt rewrites the row anyway (status, next attempt).
"""

from __future__ import annotations

import sqlalchemy as sa

from kairos.store.sqlalchemy.tables import ID, JSONType, UTCDateTime, metadata

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # Deleting a schedule deletes its deliveries: with no schedule there is no URL to send to.
    sa.Column("schedule_id", ID, sa.ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False),
    sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="SET NULL")),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempt_count", sa.Integer, nullable=False),
    # While pending: when the next attempt is due. A claim moves it to the end of the claim's
    # lease, so a delivery whose sender died becomes due again by itself.
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("lease_owner", sa.String(100)),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("summary", JSONType, nullable=False),
    sa.Column("attempts", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime),
    sa.Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_webhook_deliveries_schedule", "schedule_id", "id"),
)
