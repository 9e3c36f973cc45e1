"""One reddit job: walk the target's listing as the mode says, and store it page by page.

Each listing page is stored in one transaction with the cursor's move (history: the oldest post
reached), so a run killed at any point resumes from the last page it committed. Monitor moves its
"newest stored" mark only once its walk is done: a crash before that walks the same gap again
(and finds the posts already stored) instead of skipping it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from kairos.domain.reddit import PostFilters, RedditComment, RedditCursor, RedditMedia, RedditPage, RedditPost
from kairos.exceptions import JobCancelled
from kairos.kinds.context import TaskContext
from kairos.kinds.reddit.auth import TokenCache
from kairos.kinds.reddit.budget import BudgetGate
from kairos.kinds.reddit.client import RedditClient
from kairos.kinds.reddit.comments import fetch_comments
from kairos.kinds.reddit.config import ANONYMOUS, Credentials, RedditSettings
from kairos.kinds.reddit.dash import ffmpeg_path
from kairos.kinds.reddit.fields import DEFAULT_MAX_MORE_REQUESTS
from kairos.kinds.reddit.items import comment_row, post_item, stored_post
from kairos.kinds.reddit.listings import ListingPage, listing_path, pages
from kairos.kinds.reddit.media import MediaFetcher
from kairos.kinds.reddit.media_refs import media_refs
from kairos.kinds.reddit.plugins import run_plugins
from kairos.store.pages import Page
from kairos.store.reddit import RedditStore
from kairos.timeutil import utcnow

# Posts stored per transaction: small enough that a cancel keeps nearly everything fetched, large
# enough that a 1,000-post run is a few dozen writes.
BATCH_POSTS = 25
# Stored posts tried, one after the other, when the post a history walk resumes from is gone.
REANCHOR_ATTEMPTS = 3
# Stored posts a monitor run refreshes through /api/info (its most a call), and what it refreshes.
REFRESH_POSTS = 100
REFRESHED_FIELDS = ("score", "upvote_ratio", "num_comments", "edited", "removed", "locked", "stickied")


@dataclass(frozen=True, kw_only=True)
class RedditServices:
    """What a reddit job needs, built once per process (the runtime) and passed in."""

    store: RedditStore
    settings: RedditSettings
    http_client: Callable[[], httpx.Client]
    tokens: TokenCache = field(default_factory=TokenCache)
    clock: Callable[[], datetime] = utcnow


@dataclass(frozen=True, kw_only=True)
class RedditOutcome:
    items: list[dict[str, Any]]  # the posts, with their comments
    result: dict[str, Any]  # the counters and what the run met


def credentials_for(services: RedditServices, workspace_id: str) -> Credentials | None:
    """The workspace's app, else the instance's, else None (anonymous)."""
    connection = services.store.get_reddit_connection(workspace_id)
    return Credentials.of(connection) if connection is not None else services.settings.instance


def scope_of(payload: Mapping[str, Any], ctx: TaskContext) -> str:
    """Cursors are a schedule's; one-off jobs share one per target of their workspace."""
    if ctx.schedule_id:
        return ctx.schedule_id
    prefix = "u" if payload.get("target_type") == "user" else "r"
    return f"{prefix}/{str(payload['target']).lower()}"


class RedditRun:
    def __init__(self, payload: Mapping[str, Any], ctx: TaskContext, services: RedditServices,
                 http: httpx.Client) -> None:
        self.payload, self.ctx, self.services = payload, ctx, services
        self.store = services.store
        self.mode = str(payload.get("mode") or "full")
        self.limit = int(payload.get("limit") or 100)
        self.config: Mapping[str, Any] = payload.get("config") or {}
        self.max_more = int(self.config.get("max_more_requests", DEFAULT_MAX_MORE_REQUESTS))
        credentials = credentials_for(services, ctx.workspace_id)
        key = credentials.budget_key if credentials else ANONYMOUS
        self.gate = BudgetGate(self.store, key, ctx, services.clock)
        self.client = RedditClient(http=http, settings=services.settings, credentials=credentials,
                                   tokens=services.tokens, gate=self.gate)
        self.media = MediaFetcher(
            http=http, store=self.store, workspace_id=ctx.workspace_id, root=services.settings.media_dir,
            ffmpeg=ffmpeg_path(services.settings.ffmpeg), image_max_bytes=services.settings.image_max_bytes,
            video_max_bytes=services.settings.media_max_bytes,
            user_agent=services.settings.user_agent, ctx=ctx)
        self.scope = scope_of(payload, ctx)
        self.items: list[dict[str, Any]] = []
        self.comments = 0
        self.unexpanded = 0
        self.listing_end = False
        self.refreshed = 0
        self.newest: tuple[float, str] | None = None

    def report(self, phase: str) -> None:
        total = self.limit if self.mode != "monitor" else None
        message = f"{len(self.items)} posts, {self.comments} comments, {self.media.new_files} media ({phase})"
        self.ctx.progress(current=len(self.items), total=total, message=message, posts=len(self.items),
                          comments=self.comments,
                          media=self.media.new_files, phase=phase, listing_end=self.listing_end,
                          comments_unexpanded=self.unexpanded, posts_scraped=len(self.items),
                          comments_scraped=self.comments,
                          media_downloaded=self.media.new_files)

    def run(self) -> RedditOutcome:
        self.start = self.store.get_reddit_cursor(self.ctx.workspace_id, self.scope)
        start = self.start
        self.oldest = start.oldest if start else None
        self.ctx.progress(waiting_seconds=0)
        self.report("listing")
        after: str | None = None
        want: int | None = self.limit
        stop: tuple[float, str] | None = None
        if self.mode == "history" and start is not None:
            after = start.oldest
            if start.listing_end:
                self.listing_end, want = True, 0
        elif self.mode == "monitor" and start is not None and start.newest:
            # Every post newer than the newest stored, page after page while whole pages are new.
            want, stop = None, (start.newest_created or 0.0, start.newest)
        if want != 0:
            self._walk(after, want, stop)
        if self.mode == "monitor" and start is not None:
            self.refreshed = self._refresh()
        self._save([], [], [], self._cursor())
        self.report("done")
        return RedditOutcome(items=self.items, result=self.result())

    def _walk(self, after: str | None, want: int | None, stop: tuple[float, str] | None) -> None:
        """Take pages from `after` on. An empty first page after an anchor means Reddit no longer
        lists that post (removed, or pushed past the listing's end): the walk picks up from the
        next stored post after it instead of taking the listing as ended."""
        target_type = str(self.payload.get("target_type") or "subreddit")
        path = listing_path(str(self.payload["target"]), target_type)
        for _ in range(REANCHOR_ATTEMPTS + 1):
            first = True
            for page in pages(self.client, path, after=after, want=want):
                if first and after is not None and not page.posts:
                    break
                first = False
                posts, reached = self._cut(page, stop)
                self._take_page(posts, ends=page.after is None)
                if reached or page.after is None:
                    return
            if not first or after is None:
                return  # the wanted posts were taken
            candidates = self.store.reddit_posts_after(
                self.ctx.workspace_id, after.removeprefix("t3_"),
                same="author" if target_type == "user" else "subreddit", limit=1)
            # With no stored post to pick up from, the walk starts again from the newest.
            after = f"t3_{candidates[0]}" if candidates else None

    def _refresh(self) -> int:
        """Monitor never lists old posts again: the newest stored ones it did not take now get
        their counts and states from `/api/info` (one call of up to 100), as SPEC 11 asks."""
        taken = {item["id"] for item in self.items}
        target = str(self.payload["target"])
        if self.ctx.schedule_id:
            filters = PostFilters(schedule_id=self.ctx.schedule_id)
        elif self.payload.get("target_type") == "user":
            filters = PostFilters(author=target)
        else:
            filters = PostFilters(subreddit=target)
        found = self.store.list_reddit_posts(self.ctx.workspace_id, filters, Page(limit=REFRESH_POSTS + len(taken)))
        seen = [post for post in found.items if post.reddit_id not in taken][:REFRESH_POSTS]
        if not seen:
            return 0
        self.ctx.check_cancelled()
        body = self.client.get("/api/info", {"id": ",".join(f"t3_{post.reddit_id}" for post in seen)})
        data = body.get("data", {}) if isinstance(body, dict) else {}
        fresh = {child["data"].get("id"): child["data"] for child in data.get("children", [])
                 if child.get("kind") == "t3" and isinstance(child.get("data"), dict)}
        updates = []
        for post in seen:
            if (thing := fresh.get(post.reddit_id)) is None:
                continue
            new = post_item(thing)
            # Only what changes on Reddit: the text stays as the plugins left it.
            item = {**post.item, **{key: new[key] for key in REFRESHED_FIELDS}}
            updates.append(stored_post(item, thing))
        return self.store.refresh_reddit_posts(self.ctx.workspace_id, updates, self.services.clock())

    def _cut(self, page: ListingPage, stop: tuple[float, str] | None) -> tuple[list[dict[str, Any]], bool]:
        """Monitor: the posts newer than the newest stored, and whether that mark was reached."""
        if stop is None:
            return page.posts, False
        for index, post in enumerate(page.posts):
            if post.get("name") == stop[1] or float(post.get("created_utc") or 0) <= stop[0]:
                return page.posts[:index], True
        return page.posts, False

    def _cursor(self) -> RedditCursor:
        start = self.start
        newest = start.newest if start else None
        newest_created = start.newest_created if start else None
        if self.newest is not None and (newest_created is None or self.newest[0] > newest_created):
            newest_created, newest = self.newest
        history = self.mode == "history"
        return RedditCursor(scope=self.scope, workspace_id=self.ctx.workspace_id,
                            oldest=self.oldest if history else (start.oldest if start else None),
                            newest=newest, newest_created=newest_created,
                            listing_end=self.listing_end if history else bool(start and start.listing_end))

    def _take_page(self, posts: list[dict[str, Any]], *, ends: bool) -> None:
        """Fetch each post's comments and media, and store them in small batches: a cancel or a
        crash keeps all but the last few, and history's cursor moves with each batch. `ends`: the
        listing ends with this page, which history's cursor says with the page's last batch only."""
        stored: list[RedditPost] = []
        comment_rows: list[RedditComment] = []
        media_rows: list[RedditMedia] = []
        try:
            for data in posts:
                self.ctx.check_cancelled()
                item = post_item(data)
                rows: list[RedditComment] = []
                if self.payload.get("scrape_comments", True):
                    item["comments"], rows = self._comments(item)
                for_post: list[RedditMedia] = []
                if self.payload.get("download_media", True):
                    self.report("media")
                    for_post = [self.media.fetch(item["id"], ref) for ref in media_refs(data)]
                    item["media"] = [row.as_item() for row in for_post]
                item = run_plugins(list(self.payload.get("plugins") or []), item, self.config)
                # Counted only now that the post is taken: a cancel inside a post leaves no trace of it.
                created = float(data.get("created_utc") or 0)
                if self.newest is None or created > self.newest[0]:
                    self.newest = (created, item["name"])
                comment_rows.extend(rows)
                media_rows.extend(for_post)
                self.comments += len(rows)
                stored.append(stored_post(item, data))
                self.items.append(item)
                self.report("listing")
                if len(stored) >= BATCH_POSTS:
                    self._flush(stored, comment_rows, media_rows)
                    stored, comment_rows, media_rows = [], [], []
        except JobCancelled:
            # The posts taken so far are stored, so the counters the job reports are what it kept.
            self._flush(stored, comment_rows, media_rows)
            raise
        if self.mode == "history":
            self.listing_end = ends
        self._flush(stored, comment_rows, media_rows)

    def _flush(self, posts: list[RedditPost], comments: list[RedditComment], media: list[RedditMedia]) -> None:
        if posts and self.mode == "history":
            self.oldest = f"t3_{posts[-1].reddit_id}"
        # History's cursor moves in the same transaction; the other modes move theirs at the end.
        self._save(posts, comments, media, self._cursor() if self.mode == "history" else None)

    def _comments(self, item: dict[str, Any]) -> tuple[list[dict[str, Any]], list[RedditComment]]:
        if item["num_comments"] == 0:
            return [], []
        self.report("comments")
        found = fetch_comments(self.client, item["id"], max_more=self.max_more, owner=self.ctx.job_id)
        self.unexpanded += found.unexpanded
        rows = [comment_row(comment, item["id"], found.created.get(comment["id"], 0.0)) for comment in found.flat]
        return found.tree, rows

    def _save(self, posts: list[RedditPost], comments: list[RedditComment], media: list[RedditMedia],
              cursor: RedditCursor | None) -> None:
        page = RedditPage(job_id=self.ctx.job_id, schedule_id=self.ctx.schedule_id, posts=posts,
                          comments=comments, media=media, cursor=cursor)
        self.store.save_reddit_page(self.ctx.workspace_id, page, self.services.clock())

    def result(self) -> dict[str, Any]:
        return {"mode": self.mode, "target": self.payload["target"],
                "target_type": self.payload.get("target_type") or "subreddit",
                "posts_scraped": len(self.items), "comments_scraped": self.comments,
                "media_downloaded": self.media.new_files, "media_failed": self.media.failed,
                "comments_unexpanded": self.unexpanded, "listing_end": self.listing_end,
                "posts_refreshed": self.refreshed,
                "requests": self.client.requests, "waited_seconds": round(self.gate.waited_seconds, 1)}


def run_reddit(payload: Mapping[str, Any], ctx: TaskContext, services: RedditServices) -> RedditOutcome:
    """Run one reddit job to its end (or until it is cancelled: what was stored stays)."""
    with services.http_client() as http:
        return RedditRun(payload, ctx, services, http).run()
