"""Reddit's stored corpus and the state its jobs keep between runs: plain, frozen, no I/O.

A post, comment or media row is unique per workspace by Reddit's own id (base 36). Cursors
belong to a *scope*: a schedule, or for one-off jobs the workspace's target (`r/python`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

MEDIA_STATUSES = ("stored", "failed", "video_only")


@dataclass(frozen=True, kw_only=True)
class RedditConnection:
    """A workspace's Reddit app. Secrets are held here and never shown again by the API."""

    workspace_id: str
    client_id: str
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    user_agent: str | None = None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class RedditCursor:
    """How far a scope's runs have walked: the oldest post reached (history), the newest stored
    (monitor), and whether the listing's end was met."""

    scope: str
    workspace_id: str
    oldest: str | None = None  # fullname, t3_…
    newest: str | None = None
    newest_created: float | None = None
    listing_end: bool = False


@dataclass(frozen=True, kw_only=True)
class RedditPost:
    reddit_id: str
    subreddit: str
    author: str
    title: str
    created_utc: float
    score: int
    num_comments: int
    item: dict[str, Any]  # what the job's results show: the post as Kairos keeps it


@dataclass(frozen=True, kw_only=True)
class RedditComment:
    reddit_id: str
    post_id: str
    parent_id: str  # fullname of the parent: t3_… (top level) or t1_…
    author: str
    body: str
    score: int
    created_utc: float
    depth: int
    data: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class RedditMedia:
    post_id: str
    position: int
    media_key: str  # Reddit's media id, or the URL for a direct image
    kind: str  # image | gallery_image | video | gif
    source_url: str
    status: str  # stored | failed | video_only
    sha256: str | None = None
    mime: str | None = None
    size: int | None = None
    note: str | None = None  # why it failed, or why the video has no sound

    def as_item(self) -> dict[str, Any]:
        return {"position": self.position, "kind": self.kind, "status": self.status,
                "sha256": self.sha256, "mime": self.mime, "size": self.size,
                "source_url": self.source_url, "note": self.note}


@dataclass(frozen=True, kw_only=True)
class RedditPage:
    """What one listing page of a run stores, in one transaction with the cursor's move."""

    job_id: str
    schedule_id: str | None
    posts: list[RedditPost]
    comments: list[RedditComment]
    media: list[RedditMedia]
    cursor: RedditCursor | None


@dataclass(frozen=True, kw_only=True)
class PostFilters:
    subreddit: str | None = None
    author: str | None = None
    q: str | None = None
    since: datetime | None = None
    schedule_id: str | None = None
