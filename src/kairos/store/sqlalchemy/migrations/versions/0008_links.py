"""scheduler links, the link of a linked schedule, and jobs found by their task id

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kairos.store.sqlalchemy.tables

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _time() -> sa.types.TypeEngine[Any]:
    return kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scheduler_links",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("publisher", sa.String(length=20), nullable=False),
        sa.Column("broker_url", sa.Text(), nullable=True),
        sa.Column("result_backend", sa.Text(), nullable=True),
        sa.Column("source", _json(), nullable=False),
        sa.Column("state", _json(), nullable=False),
        sa.Column("last_event_at", _time(), nullable=True),
        sa.Column("last_sync_at", _time(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                                name=op.f("fk_scheduler_links_workspace_id_workspaces"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_links")),
        sa.UniqueConstraint("workspace_id", "name", name="uq_scheduler_links_workspace_name"),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("external", _json(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.create_index("ix_schedules_link_id", ["link_id"], unique=False)
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_task_id", ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_task_id")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_schedules_link_id")
        batch_op.drop_column("external")
        batch_op.drop_column("link_id")
    op.drop_table("scheduler_links")
