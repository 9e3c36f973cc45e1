"""Tables of strategies, the items of each job, and seen changes."""

from __future__ import annotations

import sqlalchemy as sa

from kairos.store.sqlalchemy.tables import ID, JSONType, UTCDateTime, metadata

# --- Strategies ------------------------------------------------------------------------------------

# `fields` is stored as a list of {"name", …spec} objects, not as an object: JSONB reorders
# object keys, and the order of a strategy's fields is the order of the keys of every item.
strategies = sa.Table(
    "strategies",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("item", sa.Text),
    sa.Column("fields", JSONType, nullable=False),
    sa.Column("request", JSONType),
    sa.Column("parameters", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_strategies_workspace_id", "workspace_id", "id"),
)


# --- Results and changes ---------------------------------------------------------------------------

# The items of each completed job, in order. `added` says the item was not in the previous
# completed job of the same schedule (compared by `item_hash`, as a multiset).
job_items = sa.Table(
    "job_items",
    metadata,
    sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("item", JSONType),
    sa.Column("item_hash", sa.String(64), nullable=False),
    sa.Column("added", sa.Boolean, nullable=False),
)

# The previous run's items that a job no longer has; `position` is where they were in that run.
job_removed_items = sa.Table(
    "job_removed_items",
    metadata,
    sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("item", JSONType),
    sa.Column("item_hash", sa.String(64), nullable=False),
)

# Changed jobs someone has read through `/changes?mark_seen=true`. The primary key is what makes
# two concurrent readers unable to both take the same job.
job_changes_seen = sa.Table(
    "job_changes_seen",
    metadata,
    sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seen_at", UTCDateTime, nullable=False),
)
