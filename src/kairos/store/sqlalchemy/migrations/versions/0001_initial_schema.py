"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 06:43:03.001173
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kairos.store.sqlalchemy.tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "idempotency_keys",
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "created_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("workspace_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "workspaces",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("slug", name=op.f("uq_workspaces_slug")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_used_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "revoked_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_api_keys_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "schedules",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("trigger_type", sa.String(length=20), nullable=False),
        sa.Column("cron_expression", sa.String(length=200), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=True),
        sa.Column(
            "run_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("delay_seconds", sa.Integer(), nullable=True),
        sa.Column(
            "start_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "end_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("jitter_seconds", sa.Integer(), nullable=False),
        sa.Column("misfire_policy", sa.String(length=20), nullable=False),
        sa.Column("misfire_grace_seconds", sa.Integer(), nullable=False),
        sa.Column("overlap_policy", sa.String(length=20), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("retry_delay_seconds", sa.Integer(), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=True),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("webhook_type", sa.String(length=20), nullable=True),
        sa.Column(
            "webhook_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("webhook_secret", sa.String(length=200), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "next_run_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "due_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_run_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.Column("scheduler", sa.String(length=20), nullable=False),
        sa.Column(
            "created_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_schedules_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index(
            "ix_schedules_due",
            ["due_at"],
            unique=False,
            sqlite_where=sa.text("enabled AND status = 'active' AND due_at IS NOT NULL"),
            postgresql_where=sa.text("enabled AND status = 'active' AND due_at IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_schedules_workspace_created", ["workspace_id", "id"], unique=False
        )

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("schedule_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("retry_delay_seconds", sa.Integer(), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=True),
        sa.Column("wait_for_previous", sa.Boolean(), nullable=False),
        sa.Column(
            "scheduled_for",
            kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column(
            "run_after", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column(
            "lease_expires_at",
            kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "started_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "completed_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "progress",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("item_count", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("has_changes", sa.Boolean(), nullable=True),
        sa.Column("task_id", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_jobs_schedule_id_schedules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_jobs_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_jobs_claimable",
            ["run_after"],
            unique=False,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.create_index(
            "ix_jobs_leases",
            ["lease_expires_at"],
            unique=False,
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )
        batch_op.create_index("ix_jobs_schedule_status", ["schedule_id", "status"], unique=False)
        batch_op.create_index("ix_jobs_workspace_id", ["workspace_id", "id"], unique=False)

    op.create_table(
        "fires",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("schedule_id", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column(
            "scheduled_for",
            kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "fired_at", kairos.store.sqlalchemy.tables.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("job_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_fires_job_id_jobs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_fires_schedule_id_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_fires_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fires")),
        sa.UniqueConstraint("schedule_id", "scheduled_for", "trigger", name="uq_fires_once"),
    )
    with op.batch_alter_table("fires", schema=None) as batch_op:
        batch_op.create_index("ix_fires_schedule_fired", ["schedule_id", "fired_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("fires", schema=None) as batch_op:
        batch_op.drop_index("ix_fires_schedule_fired")

    op.drop_table("fires")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_workspace_id")
        batch_op.drop_index("ix_jobs_schedule_status")
        batch_op.drop_index(
            "ix_jobs_leases",
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )
        batch_op.drop_index(
            "ix_jobs_claimable",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.drop_table("jobs")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_schedules_workspace_created")
        batch_op.drop_index(
            "ix_schedules_due",
            sqlite_where=sa.text("enabled AND status = 'active' AND due_at IS NOT NULL"),
            postgresql_where=sa.text("enabled AND status = 'active' AND due_at IS NOT NULL"),
        )

    op.drop_table("schedules")
    op.drop_table("api_keys")
    op.drop_table("workspaces")
    op.drop_table("idempotency_keys")
