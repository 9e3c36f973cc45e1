"""The part of the Store contract for the Reddit kind.

Who writes what: the API writes a workspace's connection (`put_reddit_connection`); reddit jobs
write everything else as they run. `save_reddit_page` stores one listing page of a run and moves
the scope's cursor in the same transaction, so a crash loses no progress that was committed and
never leaves a cursor past posts that were not stored. Posts, comments and media are unique per
workspace by Reddit's ids: a post seen again is updated (score, comment count, edits), never
doubled. The budget calls are guarded updates on one row per credential, so every worker process
spends one shared budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kairos.domain.reddit import (
    PostFilters,
    RedditConnection,
    RedditCursor,
    RedditMedia,
    RedditPage,
    RedditPost,
)
from kairos.store.pages import Page, PageResult


@dataclass(frozen=True, kw_only=True)
class StoredPost:
    """A post of the corpus as the posts browser shows it."""

    reddit_id: str
    item: dict[str, Any]
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, kw_only=True)
class StoredFile:
    """A media file known in a workspace: where its bytes are is the media dir's business."""

    sha256: str
    mime: str | None
    size: int | None


class RedditStore(Protocol):
    # --- connections (the API) -------------------------------------------------------------------
    def get_reddit_connection(self, workspace_id: str) -> RedditConnection | None: ...
    def put_reddit_connection(self, connection: RedditConnection) -> RedditConnection: ...
    def delete_reddit_connection(self, workspace_id: str) -> bool: ...

    # --- the shared budget (jobs, any process) ---------------------------------------------------
    def reddit_take_request(self, key: str, now: datetime) -> float:
        """Spend one request of `key`'s budget now and return 0, or return the seconds to wait
        (nothing spent) before asking again."""
        ...

    def reddit_observe(self, key: str, *, remaining: float, reset_seconds: float, now: datetime) -> None: ...
    def reddit_throttled(self, key: str, *, wait_seconds: float, now: datetime) -> None: ...
    def reddit_lock(self, key: str, owner: str, now: datetime, lease_seconds: float) -> bool:
        """Take the credential's single-call lease (morechildren) if free or expired."""
        ...

    def reddit_unlock(self, key: str, owner: str) -> None: ...

    # --- the corpus (jobs) -----------------------------------------------------------------------
    def get_reddit_cursor(self, workspace_id: str, scope: str) -> RedditCursor | None: ...
    def save_reddit_page(self, workspace_id: str, page: RedditPage, now: datetime) -> None: ...
    def refresh_reddit_posts(self, workspace_id: str, posts: list[RedditPost], now: datetime) -> int:
        """Update posts already stored from a fresh look (score, comment count, item,
        last_seen_at), without making them any job's posts; a post not stored is left alone.
        Returns how many were updated."""
        ...

    def stored_media(self, workspace_id: str, media_key: str) -> RedditMedia | None:
        """A media row of this key already stored (status stored or video_only), if any."""
        ...

    def reddit_posts_after(self, workspace_id: str, reddit_id: str, *, same: str, limit: int) -> list[str]:
        """Ids of stored posts created after post `reddit_id`, oldest first, from the same
        subreddit (`same="subreddit"`) or by the same author (`same="author"`): where a listing
        walk can pick up again when Reddit no longer lists that post. Empty if it is not stored."""
        ...

    # --- reading it back (the API) ---------------------------------------------------------------
    def list_reddit_posts(self, workspace_id: str, filters: PostFilters, page: Page) -> PageResult[StoredPost]: ...
    def get_reddit_post(self, workspace_id: str, reddit_id: str) -> StoredPost:
        """Raises `RedditPostNotFound`."""
        ...

    def reddit_comment_rows(self, workspace_id: str, post_id: str) -> list[dict[str, Any]]: ...
    def job_media(self, workspace_id: str, job_id: str) -> list[RedditMedia]: ...
    def media_file(self, workspace_id: str, sha256: str) -> StoredFile | None: ...
