"""Tables of scheduler links (SPEC 8). Linked schedules are ordinary schedules with a `link_id`."""

from __future__ import annotations

import sqlalchemy as sa

from kairos.store.sqlalchemy.tables import ID, JSONType, UTCDateTime, metadata

scheduler_links = sa.Table(
    "scheduler_links",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("publisher", sa.String(20), nullable=False),
    # URLs are kept whole (Kairos must connect with them); answers only ever show them masked.
    sa.Column("broker_url", sa.Text),
    sa.Column("result_backend", sa.Text),
    sa.Column("source", JSONType, nullable=False),
    # What the receiver and the sync actions learnt: event counts, the last error, and so on.
    sa.Column("state", JSONType, nullable=False),
    sa.Column("last_event_at", UTCDateTime),
    sa.Column("last_sync_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "name", name="uq_scheduler_links_workspace_name"),
)
