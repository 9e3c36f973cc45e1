"""reddit: connections, the shared request budget, cursors, posts, comments and media

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kairos.store.sqlalchemy.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table("reddit_rate_budgets",
    sa.Column("key", sa.String(length=64), nullable=False),
    sa.Column("remaining", sa.Float(), nullable=True),
    sa.Column("reset_at", UTCDateTime(timezone=True), nullable=True),
    sa.Column("next_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("lock_owner", sa.String(length=100), nullable=True),
    sa.Column("lock_until", UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("key", name=op.f("pk_reddit_rate_budgets"))
    )
    op.create_table("reddit_comments",
    sa.Column("workspace_id", sa.String(length=64), nullable=False),
    sa.Column("reddit_id", sa.String(length=16), nullable=False),
    sa.Column("post_id", sa.String(length=16), nullable=False),
    sa.Column("parent_id", sa.String(length=32), nullable=False),
    sa.Column("author", sa.String(length=100), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("score", sa.Integer(), nullable=False),
    sa.Column("created_utc", sa.Float(), nullable=False),
    sa.Column("depth", sa.Integer(), nullable=False),
    sa.Column("data", _json(), nullable=False),
    sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                            name=op.f("fk_reddit_comments_workspace_id_workspaces"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("workspace_id", "reddit_id", name=op.f("pk_reddit_comments"))
    )
    with op.batch_alter_table("reddit_comments", schema=None) as batch_op:
        batch_op.create_index("ix_reddit_comments_post", ["workspace_id", "post_id"], unique=False)

    op.create_table("reddit_connections",
    sa.Column("workspace_id", sa.String(length=64), nullable=False),
    sa.Column("client_id", sa.String(length=200), nullable=False),
    sa.Column("client_secret", sa.Text(), nullable=True),
    sa.Column("username", sa.String(length=200), nullable=True),
    sa.Column("password", sa.Text(), nullable=True),
    sa.Column("refresh_token", sa.Text(), nullable=True),
    sa.Column("user_agent", sa.String(length=300), nullable=True),
    sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                            name=op.f("fk_reddit_connections_workspace_id_workspaces"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_reddit_connections"))
    )
    op.create_table("reddit_cursors",
    sa.Column("workspace_id", sa.String(length=64), nullable=False),
    sa.Column("scope", sa.String(length=300), nullable=False),
    sa.Column("oldest", sa.String(length=32), nullable=True),
    sa.Column("newest", sa.String(length=32), nullable=True),
    sa.Column("newest_created", sa.Float(), nullable=True),
    sa.Column("listing_end", sa.Boolean(), nullable=False),
    sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                            name=op.f("fk_reddit_cursors_workspace_id_workspaces"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("workspace_id", "scope", name=op.f("pk_reddit_cursors"))
    )
    op.create_table("reddit_post_schedules",
    sa.Column("workspace_id", sa.String(length=64), nullable=False),
    sa.Column("reddit_id", sa.String(length=16), nullable=False),
    sa.Column("schedule_id", sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(["schedule_id"], ["schedules.id"],
                            name=op.f("fk_reddit_post_schedules_schedule_id_schedules"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("workspace_id", "reddit_id", "schedule_id", name=op.f("pk_reddit_post_schedules"))
    )
    op.create_table("reddit_job_posts",
    sa.Column("job_id", sa.String(length=64), nullable=False),
    sa.Column("reddit_id", sa.String(length=16), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["job_id"], ["jobs.id"],
                            name=op.f("fk_reddit_job_posts_job_id_jobs"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("job_id", "reddit_id", name=op.f("pk_reddit_job_posts"))
    )
    op.create_table("reddit_media",
    sa.Column("workspace_id", sa.String(length=64), nullable=False),
    sa.Column("post_id", sa.String(length=16), nullable=False),
    sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
    sa.Column("media_key", sa.String(length=1000), nullable=False),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("source_url", sa.Text(), nullable=False),
    sa.Column("status", sa.String(length=20), nullable=False),
    sa.Column("sha256", sa.String(length=64), nullable=True),
    sa.Column("mime", sa.String(length=100), nullable=True),
    sa.Column("size", sa.BigInteger(), nullable=True),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("job_id", sa.String(length=64), nullable=True),
    sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["job_id"], ["jobs.id"],
                            name=op.f("fk_reddit_media_job_id_jobs"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                            name=op.f("fk_reddit_media_workspace_id_workspaces"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("workspace_id", "post_id", "position", name=op.f("pk_reddit_media"))
    )
    with op.batch_alter_table("reddit_media", schema=None) as batch_op:
        batch_op.create_index("ix_reddit_media_key", ["workspace_id", "media_key"], unique=False)
        batch_op.create_index("ix_reddit_media_sha256", ["workspace_id", "sha256"], unique=False)

    op.create_table("reddit_posts",
    sa.Column("workspace_id", sa.String(length=64), nullable=False),
    sa.Column("reddit_id", sa.String(length=16), nullable=False),
    sa.Column("subreddit", sa.String(length=100), nullable=False),
    sa.Column("author", sa.String(length=100), nullable=False),
    sa.Column("title", sa.Text(), nullable=False),
    sa.Column("created_utc", sa.Float(), nullable=False),
    sa.Column("score", sa.Integer(), nullable=False),
    sa.Column("num_comments", sa.Integer(), nullable=False),
    sa.Column("item", _json(), nullable=False),
    sa.Column("first_seen_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("last_job_id", sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(["last_job_id"], ["jobs.id"],
                            name=op.f("fk_reddit_posts_last_job_id_jobs"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                            name=op.f("fk_reddit_posts_workspace_id_workspaces"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("workspace_id", "reddit_id", name=op.f("pk_reddit_posts"))
    )
    with op.batch_alter_table("reddit_posts", schema=None) as batch_op:
        batch_op.create_index("ix_reddit_posts_author", ["workspace_id", "author"], unique=False)
        batch_op.create_index("ix_reddit_posts_created", ["workspace_id", "created_utc"], unique=False)
        batch_op.create_index("ix_reddit_posts_subreddit", ["workspace_id", "subreddit", "created_utc"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("reddit_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_reddit_posts_subreddit")
        batch_op.drop_index("ix_reddit_posts_created")
        batch_op.drop_index("ix_reddit_posts_author")

    op.drop_table("reddit_posts")
    with op.batch_alter_table("reddit_media", schema=None) as batch_op:
        batch_op.drop_index("ix_reddit_media_sha256")
        batch_op.drop_index("ix_reddit_media_key")

    op.drop_table("reddit_media")
    op.drop_table("reddit_job_posts")
    op.drop_table("reddit_post_schedules")
    op.drop_table("reddit_cursors")
    op.drop_table("reddit_connections")
    with op.batch_alter_table("reddit_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_reddit_comments_post")

    op.drop_table("reddit_comments")
    op.drop_table("reddit_rate_budgets")
