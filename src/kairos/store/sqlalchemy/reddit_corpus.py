"""The stored Reddit corpus: posts, comments and media per workspace, and the runs' cursors."""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kairos.domain.reddit import PostFilters, RedditCursor, RedditMedia, RedditPage, RedditPost
from kairos.exceptions import InvalidInput, RedditPostNotFound
from kairos.store.pages import Page, PageResult
from kairos.store.reddit import StoredFile, StoredPost
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.reddit_tables import (
    reddit_comments,
    reddit_cursors,
    reddit_job_posts,
    reddit_media,
    reddit_post_schedules,
    reddit_posts,
)
from kairos.store.sqlalchemy.upsert import upsert

_POST_UPDATES = ("subreddit", "author", "title", "score", "num_comments", "item", "last_seen_at", "last_job_id")
_COMMENT_UPDATES = ("author", "body", "score", "depth", "data", "last_seen_at", "parent_id")
_MEDIA_UPDATES = ("media_key", "kind", "source_url", "status", "sha256", "mime", "size", "note", "updated_at")
_MEDIA_KEEPING = ("stored", "video_only")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _media(row: Any) -> RedditMedia:
    return RedditMedia(post_id=row["post_id"], position=row["position"], media_key=row["media_key"],
                       kind=row["kind"], source_url=row["source_url"], status=row["status"],
                       sha256=row["sha256"], mime=row["mime"], size=row["size"], note=row["note"])


def _encode(created: float, reddit_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([created, reddit_id]).encode()).decode()


def _decode(cursor: str) -> tuple[float, str]:
    try:
        created, reddit_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        when = float(created)  # an integer too large for a float is an OverflowError
        if not math.isfinite(when):
            raise ValueError("not a finite time")
        return when, str(reddit_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError) as exc:
        raise InvalidInput.field(("query", "cursor"), "not a cursor this API returned") from exc


class RedditCorpusStoreMixin:
    db: Database

    def get_reddit_cursor(self, workspace_id: str, scope: str) -> RedditCursor | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(reddit_cursors).where(
                reddit_cursors.c.workspace_id == workspace_id, reddit_cursors.c.scope == scope)).mappings().first()
        if row is None:
            return None
        return RedditCursor(scope=scope, workspace_id=workspace_id, oldest=row["oldest"], newest=row["newest"],
                            newest_created=row["newest_created"], listing_end=row["listing_end"])

    def save_reddit_page(self, workspace_id: str, page: RedditPage, now: datetime) -> None:
        with self.db.write() as conn:
            self._save_posts(conn, workspace_id, page, now)
            upsert(conn, reddit_comments, [
                {"workspace_id": workspace_id, "reddit_id": c.reddit_id, "post_id": c.post_id,
                 "parent_id": c.parent_id, "author": c.author, "body": c.body, "score": c.score,
                 "created_utc": c.created_utc, "depth": c.depth, "data": c.data, "last_seen_at": now}
                for c in page.comments], keys=["workspace_id", "reddit_id"], update=_COMMENT_UPDATES)
            upsert(conn, reddit_media, [
                {"workspace_id": workspace_id, "post_id": m.post_id, "position": m.position,
                 "media_key": m.media_key, "kind": m.kind, "source_url": m.source_url, "status": m.status,
                 "sha256": m.sha256, "mime": m.mime, "size": m.size, "note": m.note, "job_id": page.job_id,
                 "created_at": now, "updated_at": now}
                for m in page.media], keys=["workspace_id", "post_id", "position"], update=_MEDIA_UPDATES)
            if page.cursor is not None:
                cursor = page.cursor
                upsert(conn, reddit_cursors, [{
                    "workspace_id": workspace_id, "scope": cursor.scope, "oldest": cursor.oldest,
                    "newest": cursor.newest, "newest_created": cursor.newest_created,
                    "listing_end": cursor.listing_end, "updated_at": now}],
                    keys=["workspace_id", "scope"],
                    update=["oldest", "newest", "newest_created", "listing_end", "updated_at"])

    def _save_posts(self, conn: Connection, workspace_id: str, page: RedditPage, now: datetime) -> None:
        upsert(conn, reddit_posts, [
            {"workspace_id": workspace_id, "reddit_id": p.reddit_id, "subreddit": p.subreddit,
             "author": p.author, "title": p.title, "created_utc": p.created_utc, "score": p.score,
             "num_comments": p.num_comments, "item": p.item, "first_seen_at": now, "last_seen_at": now,
             "last_job_id": page.job_id}
            for p in page.posts], keys=["workspace_id", "reddit_id"], update=_POST_UPDATES)
        start = conn.scalar(sa.select(sa.func.count()).select_from(reddit_job_posts)
                            .where(reddit_job_posts.c.job_id == page.job_id)) or 0
        upsert(conn, reddit_job_posts, [
            {"job_id": page.job_id, "reddit_id": p.reddit_id, "position": start + index}
            for index, p in enumerate(page.posts)], keys=["job_id", "reddit_id"])
        if page.schedule_id is not None:
            upsert(conn, reddit_post_schedules, [
                {"workspace_id": workspace_id, "reddit_id": p.reddit_id, "schedule_id": page.schedule_id}
                for p in page.posts], keys=["workspace_id", "reddit_id", "schedule_id"])

    def refresh_reddit_posts(self, workspace_id: str, posts: list[RedditPost], now: datetime) -> int:
        updated = 0
        with self.db.write() as conn:
            for post in posts:
                updated += conn.execute(sa.update(reddit_posts).where(
                    reddit_posts.c.workspace_id == workspace_id, reddit_posts.c.reddit_id == post.reddit_id)
                    .values(score=post.score, num_comments=post.num_comments, item=post.item,
                            last_seen_at=now)).rowcount
        return updated

    def stored_media(self, workspace_id: str, media_key: str) -> RedditMedia | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(reddit_media).where(
                reddit_media.c.workspace_id == workspace_id, reddit_media.c.media_key == media_key,
                reddit_media.c.status.in_(_MEDIA_KEEPING)).limit(1)).mappings().first()
        return None if row is None else _media(row)

    def reddit_posts_after(self, workspace_id: str, reddit_id: str, *, same: str, limit: int) -> list[str]:
        column = reddit_posts.c.author if same == "author" else reddit_posts.c.subreddit
        with self.db.read() as conn:
            anchor = conn.execute(sa.select(reddit_posts.c.created_utc, column).where(
                reddit_posts.c.workspace_id == workspace_id, reddit_posts.c.reddit_id == reddit_id)).first()
            if anchor is None:
                return []
            created, value = anchor
            rows = conn.execute(
                sa.select(reddit_posts.c.reddit_id).where(
                    reddit_posts.c.workspace_id == workspace_id, sa.func.lower(column) == str(value).lower(),
                    sa.or_(reddit_posts.c.created_utc > created,
                           sa.and_(reddit_posts.c.created_utc == created, reddit_posts.c.reddit_id > reddit_id)))
                .order_by(reddit_posts.c.created_utc, reddit_posts.c.reddit_id).limit(limit))
            return [row[0] for row in rows]

    # --- reading -------------------------------------------------------------------------------

    def list_reddit_posts(self, workspace_id: str, filters: PostFilters, page: Page) -> PageResult[StoredPost]:
        query = sa.select(reddit_posts).where(reddit_posts.c.workspace_id == workspace_id)
        if filters.subreddit:
            query = query.where(sa.func.lower(reddit_posts.c.subreddit) == filters.subreddit.lower())
        if filters.author:
            query = query.where(sa.func.lower(reddit_posts.c.author) == filters.author.lower())
        if filters.q:
            query = query.where(reddit_posts.c.title.ilike(_like(filters.q), escape="\\"))
        if filters.since is not None:
            query = query.where(reddit_posts.c.created_utc >= filters.since.timestamp())
        if filters.schedule_id:
            query = query.where(sa.exists().where(
                reddit_post_schedules.c.workspace_id == workspace_id,
                reddit_post_schedules.c.reddit_id == reddit_posts.c.reddit_id,
                reddit_post_schedules.c.schedule_id == filters.schedule_id))
        with self.db.read() as conn:
            total = conn.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
            if page.cursor:
                created, reddit_id = _decode(page.cursor)
                query = query.where(sa.or_(
                    reddit_posts.c.created_utc < created,
                    sa.and_(reddit_posts.c.created_utc == created, reddit_posts.c.reddit_id < reddit_id)))
            elif page.offset:
                query = query.offset(page.offset)
            rows = list(conn.execute(query.order_by(reddit_posts.c.created_utc.desc(),
                                                    reddit_posts.c.reddit_id.desc())
                                     .limit(page.limit + 1)).mappings())
        has_more = len(rows) > page.limit
        rows = rows[:page.limit]
        cursor = _encode(rows[-1]["created_utc"], rows[-1]["reddit_id"]) if has_more and rows else None
        return PageResult(items=[_post(row) for row in rows], total=total, has_more=has_more, next_cursor=cursor)

    def get_reddit_post(self, workspace_id: str, reddit_id: str) -> StoredPost:
        with self.db.read() as conn:
            row = conn.execute(sa.select(reddit_posts).where(
                reddit_posts.c.workspace_id == workspace_id, reddit_posts.c.reddit_id == reddit_id)).mappings().first()
        if row is None:
            raise RedditPostNotFound(reddit_id)
        return _post(row)

    def reddit_comment_rows(self, workspace_id: str, post_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(sa.select(reddit_comments.c.data).where(
                reddit_comments.c.workspace_id == workspace_id, reddit_comments.c.post_id == post_id)
                .order_by(reddit_comments.c.created_utc, reddit_comments.c.reddit_id))
            return [dict(row[0]) for row in rows]

    def job_media(self, workspace_id: str, job_id: str) -> list[RedditMedia]:
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(reddit_media).join(reddit_job_posts, sa.and_(
                    reddit_job_posts.c.job_id == job_id, reddit_job_posts.c.reddit_id == reddit_media.c.post_id))
                .where(reddit_media.c.workspace_id == workspace_id)
                .order_by(reddit_job_posts.c.position, reddit_media.c.position)).mappings()
            return [_media(row) for row in rows]

    def media_file(self, workspace_id: str, sha256: str) -> StoredFile | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(reddit_media.c.sha256, reddit_media.c.mime, reddit_media.c.size).where(
                reddit_media.c.workspace_id == workspace_id, reddit_media.c.sha256 == sha256).limit(1)).first()
        return None if row is None else StoredFile(sha256=row[0], mime=row[1], size=row[2])


def _post(row: Any) -> StoredPost:
    return StoredPost(reddit_id=row["reddit_id"], item=dict(row["item"]), first_seen_at=row["first_seen_at"],
                      last_seen_at=row["last_seen_at"])
