"""Tables of the Reddit kind: app connections, the shared request budget, cursors, and the
stored corpus (posts, comments, media), unique per workspace by Reddit's own ids."""

from __future__ import annotations

import sqlalchemy as sa

from kairos.store.sqlalchemy.tables import ID, JSONType, UTCDateTime, metadata

reddit_connections = sa.Table(
    "reddit_connections",
    metadata,
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("client_id", sa.String(200), nullable=False),
    sa.Column("client_secret", sa.Text),
    sa.Column("username", sa.String(200)),
    sa.Column("password", sa.Text),
    sa.Column("refresh_token", sa.Text),
    sa.Column("user_agent", sa.String(300)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# One row per credential (a hash of the app id and user), shared by every worker process.
# `version` guards each spend; `lock_owner`/`lock_until` is the lease that lets one morechildren
# call at a time go out per credential.
reddit_rate_budgets = sa.Table(
    "reddit_rate_budgets",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("remaining", sa.Float),
    sa.Column("reset_at", UTCDateTime),
    sa.Column("next_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("lock_owner", sa.String(100)),
    sa.Column("lock_until", UTCDateTime),
)

reddit_cursors = sa.Table(
    "reddit_cursors",
    metadata,
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("scope", sa.String(300), primary_key=True),
    sa.Column("oldest", sa.String(32)),
    sa.Column("newest", sa.String(32)),
    sa.Column("newest_created", sa.Float),
    sa.Column("listing_end", sa.Boolean, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

reddit_posts = sa.Table(
    "reddit_posts",
    metadata,
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("reddit_id", sa.String(16), primary_key=True),
    sa.Column("subreddit", sa.String(100), nullable=False),
    sa.Column("author", sa.String(100), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("created_utc", sa.Float, nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("num_comments", sa.Integer, nullable=False),
    sa.Column("item", JSONType, nullable=False),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("last_job_id", ID, sa.ForeignKey("jobs.id", ondelete="SET NULL")),
    sa.Index("ix_reddit_posts_created", "workspace_id", "created_utc"),
    sa.Index("ix_reddit_posts_subreddit", "workspace_id", "subreddit", "created_utc"),
    sa.Index("ix_reddit_posts_author", "workspace_id", "author"),
)

# Which schedules have seen a post (the posts browser's `schedule_id` filter).
reddit_post_schedules = sa.Table(
    "reddit_post_schedules",
    metadata,
    sa.Column("workspace_id", ID, primary_key=True),
    sa.Column("reddit_id", sa.String(16), primary_key=True),
    sa.Column("schedule_id", ID, sa.ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True),
)

# The posts each job fetched, in order, written page by page as the job runs.
reddit_job_posts = sa.Table(
    "reddit_job_posts",
    metadata,
    sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("reddit_id", sa.String(16), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

reddit_comments = sa.Table(
    "reddit_comments",
    metadata,
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("reddit_id", sa.String(16), primary_key=True),
    sa.Column("post_id", sa.String(16), nullable=False),
    sa.Column("parent_id", sa.String(32), nullable=False),
    sa.Column("author", sa.String(100), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("created_utc", sa.Float, nullable=False),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("data", JSONType, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Index("ix_reddit_comments_post", "workspace_id", "post_id"),
)

reddit_media = sa.Table(
    "reddit_media",
    metadata,
    sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("post_id", sa.String(16), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("media_key", sa.String(1000), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("source_url", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("sha256", sa.String(64)),
    sa.Column("mime", sa.String(100)),
    sa.Column("size", sa.BigInteger),
    sa.Column("note", sa.Text),
    sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="SET NULL")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_reddit_media_key", "workspace_id", "media_key"),
    sa.Index("ix_reddit_media_sha256", "workspace_id", "sha256"),
)
