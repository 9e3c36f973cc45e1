"""The pull feed of a schedule's changed runs (seed 004), once: the canonical and scrape routes show it."""

from __future__ import annotations

from kairos.api.schemas.changes import ChangedJobPublic, ChangesResponse
from kairos.domain.item_filter import ItemFilter, parse_filter
from kairos.store.base import Store
from kairos.store.scraping import ChangedJob
from kairos.timeutil import utcnow


def _present(job: ChangedJob, item_filter: ItemFilter | None) -> ChangedJobPublic | None:
    """The job as shown, with its items filtered; None when the filter leaves nothing of it."""
    results, added, removed = job.items, job.added, job.removed
    if item_filter is not None:
        results, added, removed = (item_filter.select(results), item_filter.select(added),
                                   item_filter.select(removed))
        if not results and not removed:
            return None
    return ChangedJobPublic(
        job_id=job.job_id, completed_at=job.completed_at, content_hash=job.content_hash,
        item_count=job.item_count, seen=job.seen, results=results, added=added, removed=removed,
    )


def changes_feed(store: Store, workspace_id: str, schedule_id: str, *, mark_seen: bool,
                 filter_text: str | None, limit: int, history: bool = False) -> ChangesResponse:
    """The unseen changed runs of a schedule, filtered, marked seen when asked (seed 004's feed);
    with `history`, the newest changed runs, seen or not, marking nothing."""
    # Parse before marking anything: a bad filter must not consume the feed.
    item_filter = parse_filter(filter_text)
    if history:
        jobs = store.change_history(workspace_id, schedule_id, limit)
        mark_seen = False
    elif mark_seen:
        jobs = store.mark_changes_seen(workspace_id, schedule_id, limit, utcnow())
    else:
        jobs = store.list_changes(workspace_id, schedule_id, limit)
    shown = [public for job in jobs if (public := _present(job, item_filter)) is not None]
    return ChangesResponse(
        schedule_id=schedule_id, changes=shown, count=len(shown),
        marked_seen=mark_seen, marked_count=len(jobs) if mark_seen else 0,
        filter_applied=item_filter.text if item_filter is not None else None,
    )
