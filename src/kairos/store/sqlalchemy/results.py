"""Items stored per job, changes between runs, and what a user has seen.

`finish_job` calls `compare_outcome` and `write_items` inside its own transaction, so a
job's items, its `has_changes` and its added/removed items are committed together or not at all.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from kairos.domain.items import ItemDiff, diff_items, item_digests, items_of
from kairos.domain.jobs import JobStatus
from kairos.exceptions import ScheduleNotFound
from kairos.store.scraping import ChangedJob
from kairos.store.sqlalchemy.bulk import insert_rows
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.scrape_tables import job_changes_seen, job_items, job_removed_items
from kairos.store.sqlalchemy.tables import jobs, schedules

ITEM_CHUNK = 500  # rows per query when streaming a job's items, or fetching by position


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """A finishing job's items, and how they relate to its schedule's previous completed job."""

    items: list[Any]
    hashes: list[str]
    digest: str
    item_count: int
    has_changes: bool | None  # None: a one-off job, compared with nothing
    diff: ItemDiff
    previous_job_id: str | None


@dataclass(frozen=True, kw_only=True)
class Digested:
    """A completed job's items with their hashes, worked out before the write transaction."""

    items: list[Any]
    hashes: list[str]
    digest: str


def digest_items(result: Any, listed: list[Any] | None) -> Digested:
    """The items' hashes and the content hash: derived here, and only here, from the items.

    Called before `finish_job` opens its transaction, so the hashing never holds the write lock.
    """
    items = items_of(result, listed)
    hashes, digest = item_digests(items)
    return Digested(items=items, hashes=hashes, digest=digest)


def compare_outcome(conn: Connection, job_id: str, schedule_id: str | None,
                    digested: Digested) -> Comparison:
    """Compare by content hash first; only a run that differs pays for the per-item diff."""
    items, hashes, digest = digested.items, digested.hashes, digested.digest

    def compared(has_changes: bool | None, diff: ItemDiff, previous: str | None) -> Comparison:
        return Comparison(items=items, hashes=hashes, digest=digest, item_count=len(items),
                          has_changes=has_changes, diff=diff, previous_job_id=previous)

    if schedule_id is None:
        return compared(None, _unchanged(hashes), None)
    previous = conn.execute(
        sa.select(jobs.c.id, jobs.c.content_hash)
        .where(jobs.c.schedule_id == schedule_id, jobs.c.status == str(JobStatus.COMPLETED),
               jobs.c.id != job_id)
        .order_by(jobs.c.completed_at.desc(), jobs.c.id.desc())
        .limit(1)
    ).first()
    if previous is None:
        return compared(True, diff_items(hashes, None), None)
    if previous.content_hash == digest:
        return compared(False, _unchanged(hashes), previous.id)
    before = list(conn.scalars(
        sa.select(job_items.c.item_hash)
        .where(job_items.c.job_id == previous.id)
        .order_by(job_items.c.position)
    ))
    return compared(True, diff_items(hashes, before), previous.id)


def _unchanged(hashes: list[str]) -> ItemDiff:
    return ItemDiff(added=(False,) * len(hashes), removed=())


def write_items(conn: Connection, job_id: str, comparison: Comparison) -> None:
    """Store the items with their `added` flags, and copy the previous run's removed items."""
    insert_rows(conn, job_items, [
        {"job_id": job_id, "position": position, "item": item, "item_hash": digest, "added": added}
        for position, (item, digest, added)
        in enumerate(zip(comparison.items, comparison.hashes, comparison.diff.added, strict=True))
    ])
    removed = comparison.diff.removed
    if not removed or comparison.previous_job_id is None:
        return
    for start in range(0, len(removed), ITEM_CHUNK):
        rows = conn.execute(
            sa.select(job_items.c.position, job_items.c.item, job_items.c.item_hash)
            .where(job_items.c.job_id == comparison.previous_job_id,
                   job_items.c.position.in_(removed[start:start + ITEM_CHUNK]))
        ).all()
        insert_rows(conn, job_removed_items, [
            {"job_id": job_id, "position": row.position, "item": row.item,
             "item_hash": row.item_hash}
            for row in rows
        ])


class ResultStoreMixin:
    db: Database

    def job_items(self, job_id: str, limit: int | None = None) -> list[Any]:
        query = (sa.select(job_items.c.item).where(job_items.c.job_id == job_id)
                 .order_by(job_items.c.position))
        if limit is not None:
            query = query.limit(limit)
        with self.db.read() as conn:
            return list(conn.scalars(query))

    def iter_job_items(self, job_id: str, chunk_size: int = ITEM_CHUNK) -> Iterator[Any]:
        # Each chunk is its own short read, so a slow HTTP client never holds a transaction open.
        after = -1
        while True:
            with self.db.read() as conn:
                rows = conn.execute(
                    sa.select(job_items.c.position, job_items.c.item)
                    .where(job_items.c.job_id == job_id, job_items.c.position > after)
                    .order_by(job_items.c.position)
                    .limit(chunk_size)
                ).all()
            for row in rows:
                yield row.item
            if len(rows) < chunk_size:
                return
            after = rows[-1].position

    def list_changes(self, workspace_id: str, schedule_id: str, limit: int) -> list[ChangedJob]:
        with self.db.read() as conn:
            _check_schedule(conn, workspace_id, schedule_id)
            rows = conn.execute(_unseen(workspace_id, schedule_id, limit)).all()
            return _changed_jobs(conn, rows, seen=False)

    def change_history(self, workspace_id: str, schedule_id: str, limit: int) -> list[ChangedJob]:
        with self.db.read() as conn:
            _check_schedule(conn, workspace_id, schedule_id)
            seen = sa.exists().where(job_changes_seen.c.job_id == jobs.c.id)
            rows = conn.execute(
                sa.select(jobs.c.id, jobs.c.completed_at, jobs.c.content_hash, jobs.c.item_count,
                          seen.label("seen"))
                .where(jobs.c.workspace_id == workspace_id, jobs.c.schedule_id == schedule_id,
                       jobs.c.status == "completed", jobs.c.has_changes == sa.true())
                .order_by(jobs.c.completed_at.desc(), jobs.c.id.desc())
                .limit(limit)
            ).all()
            history = _changed_jobs(conn, rows, seen=False)
            return [dataclasses.replace(job, seen=bool(row.seen)) for job, row in zip(history, rows, strict=True)]

    def mark_changes_seen(self, workspace_id: str, schedule_id: str, limit: int,
                          now: datetime) -> list[ChangedJob]:
        with self.db.write() as conn:
            _check_schedule(conn, workspace_id, schedule_id)
            query = _unseen(workspace_id, schedule_id, limit)
            if self.db.is_postgres:
                # Concurrent readers each take different jobs instead of queueing on the same ones.
                query = query.with_for_update(of=jobs, skip_locked=True)
            rows = conn.execute(query).all()
            if not rows:
                return []
            insert = postgresql.insert if self.db.is_postgres else sqlite.insert
            # The primary key decides: a job another reader marked first is not returned here.
            taken = set(conn.scalars(
                insert(job_changes_seen)
                .values([{"job_id": row.id, "seen_at": now} for row in rows])
                .on_conflict_do_nothing(index_elements=["job_id"])
                .returning(job_changes_seen.c.job_id)
            ))
            return _changed_jobs(conn, [row for row in rows if row.id in taken], seen=True)


def _check_schedule(conn: Connection, workspace_id: str, schedule_id: str) -> None:
    found = conn.scalar(sa.select(schedules.c.id).where(
        schedules.c.id == schedule_id, schedules.c.workspace_id == workspace_id))
    if found is None:
        raise ScheduleNotFound(schedule_id)


def _unseen(workspace_id: str, schedule_id: str, limit: int) -> sa.Select[Any]:
    """The schedule's changed, completed jobs nobody has marked seen, oldest first."""
    return (
        sa.select(jobs.c.id, jobs.c.completed_at, jobs.c.content_hash, jobs.c.item_count)
        .where(
            jobs.c.workspace_id == workspace_id,
            jobs.c.schedule_id == schedule_id,
            jobs.c.status == str(JobStatus.COMPLETED),
            jobs.c.has_changes == sa.true(),
            ~sa.exists().where(job_changes_seen.c.job_id == jobs.c.id),
        )
        .order_by(jobs.c.completed_at, jobs.c.id)
        .limit(limit)
    )


def _changed_jobs(conn: Connection, rows: Sequence[Any], *, seen: bool) -> list[ChangedJob]:
    ids = [row.id for row in rows]
    items: dict[str, list[Any]] = defaultdict(list)
    added: dict[str, list[Any]] = defaultdict(list)
    removed: dict[str, list[Any]] = defaultdict(list)
    for start in range(0, len(ids), 50):
        chunk = ids[start:start + 50]
        for row in conn.execute(
            sa.select(job_items.c.job_id, job_items.c.item, job_items.c.added)
            .where(job_items.c.job_id.in_(chunk))
            .order_by(job_items.c.job_id, job_items.c.position)
        ):
            items[row.job_id].append(row.item)
            if row.added:
                added[row.job_id].append(row.item)
        for gone in conn.execute(
            sa.select(job_removed_items.c.job_id, job_removed_items.c.item)
            .where(job_removed_items.c.job_id.in_(chunk))
            .order_by(job_removed_items.c.job_id, job_removed_items.c.position)
        ):
            removed[gone.job_id].append(gone.item)
    return [
        ChangedJob(job_id=row.id, completed_at=row.completed_at, content_hash=row.content_hash,
                   item_count=row.item_count, items=items[row.id], added=added[row.id],
                   removed=removed[row.id], seen=seen)
        for row in rows
    ]
