"""Tables of people, memberships, browser sessions, sign-in throttling and the audit log."""

from __future__ import annotations

import sqlalchemy as sa

from kairos.store.sqlalchemy.tables import ID, UTCDateTime, metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", ID, primary_key=True),
    # Stored lower-cased: one account per address, whatever case it is typed in.
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_memberships_user_id", "user_id"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    # SHA-256 of the cookie's token: a copy of this table opens no session.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index("ix_sessions_user_id", "user_id"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor_type", sa.String(10), nullable=False),
    sa.Column("actor_id", ID, nullable=False),
    sa.Column("actor_label", sa.String(320), nullable=False),
    sa.Column("action", sa.String(200), nullable=False),
    sa.Column("resource_type", sa.String(100), nullable=False),
    sa.Column("resource_id", sa.String(200)),
    sa.Column("ip", sa.String(64)),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Index("ix_audit_log_workspace_id", "workspace_id", "id"),
)

# One row per failed sign-in or bad key, per scope ("ip:…" or "account:…"); in the database so
# that every API process counts the same failures.
auth_failures = sa.Table(
    "auth_failures",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("scope", sa.String(400), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_auth_failures_scope_at", "scope", "at"),
    sa.Index("ix_auth_failures_at", "at"),
)
