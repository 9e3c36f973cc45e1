"""`/schedules/{id}/changes`: the pull feed of runs whose items changed, with a keyword filter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kairos.api.changes_feed import changes_feed
from kairos.api.deps import StoreDep, Viewer
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.changes import ChangesResponse
from kairos.api.schemas.common import Problem

router = APIRouter(route_class=StrictJSONRoute, tags=["schedules"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})


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
