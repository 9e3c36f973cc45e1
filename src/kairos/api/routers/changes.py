"""`/schedules/{id}/changes`: the pull feed of runs whose items changed, with a keyword filter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kairos.api.deps import StoreDep, Viewer
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.changes import ChangedJobPublic, ChangesResponse
from kairos.api.schemas.common import Problem
from kairos.domain.item_filter import ItemFilter, parse_filter
from kairos.store.base import Store
from kairos.store.scraping import ChangedJob
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, tags=["schedules"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})


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


@router.get(
    "/schedules/{schedule_id}/changes", response_model=ChangesResponse,
    summary="Unseen runs whose items changed, oldest first; marks them seen unless mark_seen=false",
)
def changes(
    schedule_id: str, access: Viewer, store: StoreDep,
    mark_seen: Annotated[bool, Query(
        description="Mark the returned runs seen, so the next call skips them")] = True,
    filter_text: Annotated[str | None, Query(
        alias="filter", description='Lucene-style item filter: `+required optional -excluded "a phrase" field:value`',
    )] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Runs to examine (1-200)")] = 50,
    history: Annotated[bool, Query(
        description="The newest changed runs, newest first, seen ones too (`seen` says which); marks nothing")] = False,
) -> ChangesResponse:
    return changes_feed(store, access.workspace.id, schedule_id, mark_seen=mark_seen,
                        filter_text=filter_text, limit=limit, history=history)


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
