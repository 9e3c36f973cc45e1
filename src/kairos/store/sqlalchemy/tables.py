"""Table definitions. Alembic migrations create exactly these (a test compares them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes everywhere: timestamptz on PostgreSQL, naive UTC text on SQLite."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # On SQLite the generic DateTime processors (regex parsing, strftime-style formatting) cost
    # more than the rest of a fire. These write the very same text format SQLAlchemy uses
    # ("2026-05-04 12:00:00.000000"), so files stay readable by either, in a fraction of the time.
    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def to_text(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is not UTC:
                if value.tzinfo is None:
                    raise ValueError("naive datetime given to the store")
                value = value.astimezone(UTC)
            # "2026-05-04 12:00:00.000000+00:00" without its offset: all values here are UTC.
            return value.isoformat(sep=" ", timespec="microseconds")[:26]

        return to_text

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def from_text(value: str | None) -> datetime | None:
            if value is None:
                return None
            return datetime.fromisoformat(value).replace(tzinfo=UTC)

        return from_text


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ID = sa.String(64)


def _json(**kw: Any) -> sa.Column[Any]:
    return sa.Column(JSONType, **kw)


workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("slug", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("last_used_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
)

schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("kind", sa.String(20), nullable=False),
    _json(name="payload", nullable=False),
    sa.Column("trigger_type", sa.String(20), nullable=False),
    sa.Column("cron_expression", sa.String(200)),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("interval_seconds", sa.Integer),
    sa.Column("run_at", UTCDateTime),
    sa.Column("delay_seconds", sa.Integer),
    sa.Column("start_at", UTCDateTime),
    sa.Column("end_at", UTCDateTime),
    sa.Column("jitter_seconds", sa.Integer, nullable=False),
    sa.Column("misfire_policy", sa.String(20), nullable=False),
    sa.Column("misfire_grace_seconds", sa.Integer, nullable=False),
    sa.Column("overlap_policy", sa.String(20), nullable=False),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("retry_delay_seconds", sa.Integer, nullable=False),
    sa.Column("timeout_seconds", sa.Integer),
    sa.Column("webhook_url", sa.Text),
    sa.Column("webhook_type", sa.String(20)),
    _json(name="webhook_metadata", nullable=False),
    sa.Column("webhook_secret", sa.String(200)),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("next_run_at", UTCDateTime),
    # `due_at` is `next_run_at` plus this fire's jitter: the instant the scheduler claims on.
    sa.Column("due_at", UTCDateTime),
    sa.Column("last_run_at", UTCDateTime),
    sa.Column("run_count", sa.Integer, nullable=False),
    sa.Column("scheduler", sa.String(20), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # The scheduler's claim: only schedules that can fire are in this index.
    sa.Index(
        "ix_schedules_due",
        "due_at",
        sqlite_where=sa.text("enabled AND status = 'active' AND due_at IS NOT NULL"),
        postgresql_where=sa.text("enabled AND status = 'active' AND due_at IS NOT NULL"),
    ),
    sa.Index("ix_schedules_workspace_created", "workspace_id", "id"),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("schedule_id", ID, sa.ForeignKey("schedules.id", ondelete="SET NULL")),
    sa.Column("kind", sa.String(20), nullable=False),
    _json(name="payload", nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    # Times the job's worker vanished under it; they do not use attempts (domain/finish.py).
    sa.Column("crashes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("retry_delay_seconds", sa.Integer, nullable=False),
    sa.Column("timeout_seconds", sa.Integer),
    # A `queue_one` job waits until its schedule has no running job.
    sa.Column("wait_for_previous", sa.Boolean, nullable=False),
    sa.Column("scheduled_for", UTCDateTime),
    sa.Column("trigger", sa.String(20), nullable=False),
    sa.Column("run_after", UTCDateTime, nullable=False),
    sa.Column("lease_owner", sa.String(100)),
    sa.Column("lease_expires_at", UTCDateTime),
    sa.Column("started_at", UTCDateTime),
    sa.Column("completed_at", UTCDateTime),
    _json(name="progress", nullable=False),
    _json(name="result"),
    sa.Column("item_count", sa.Integer),
    sa.Column("error_message", sa.Text),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("has_changes", sa.Boolean),
    sa.Column("task_id", sa.String(200)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index(
        "ix_jobs_claimable",
        "run_after",
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index(
        "ix_jobs_leases",
        "lease_expires_at",
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    ),
    sa.Index("ix_jobs_schedule_status", "schedule_id", "status"),
    sa.Index("ix_jobs_workspace_id", "workspace_id", "id"),
)

fires = sa.Table(
    "fires",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("schedule_id", ID, sa.ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False),
    sa.Column("trigger", sa.String(20), nullable=False),
    sa.Column("scheduled_for", UTCDateTime, nullable=False),
    sa.Column("fired_at", UTCDateTime, nullable=False),
    sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="SET NULL")),
    # Only skipped fires store a status; the others read it from their job.
    sa.Column("status", sa.String(20)),
    # The guarantee: one fire per schedule and scheduled instant, whoever fires it.
    sa.UniqueConstraint("schedule_id", "scheduled_for", "trigger", name="uq_fires_once"),
    sa.Index("ix_fires_schedule_fired", "schedule_id", "fired_at"),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("workspace_id", ID, primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    _json(name="response", nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)


# Each area keeps its tables in a module of its own, on this same metadata; importing them here
# means whoever imports `metadata` (Alembic, the migration test) sees every table.
from kairos.store.sqlalchemy import access_tables, delivery_tables, scrape_tables  # noqa: E402, F401
