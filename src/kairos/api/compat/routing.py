"""What every dialect shares: JSON bodies whatever their Content-Type, routers, list paging.

The seeds' own curl examples send `-d '{…}'` without a JSON `Content-Type` (curl then says
`application/x-www-form-urlencoded`), so a dialect route reads its body as JSON whatever the
header says. That is done here, once, by the route class of every dialect router: the header is
replaced before the canonical strict decoding (api/json_body.py) and FastAPI read the body, so
validation, OpenAPI and the 400 answers stay the canonical ones.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from kairos.api.audit import audited_as
from kairos.api.json_body import StrictJSONRoute, charset_of, is_json_content_type
from kairos.api.schemas.common import Problem
from kairos.store.base import Page
from kairos.store.pages import PageResult

T = TypeVar("T")

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
}


class JsonBodyRoute(StrictJSONRoute):
    """A route whose request body is JSON whatever its `Content-Type`, read as strictly as any."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def read_as_json(request: Request) -> Response:
            declared = request.headers.get("content-type")
            if not is_json_content_type(declared):
                # A declared charset still counts: JSON bodies are UTF-8, and the 400 says so.
                charset = charset_of(declared)
                value = "application/json" + (f"; charset={charset}" if charset else "")
                scope = request.scope
                scope["headers"] = [h for h in scope["headers"] if h[0] != b"content-type"] + [
                    (b"content-type", value.encode("latin-1"))]
                request = Request(scope, request.receive)
            return await handler(request)

        return read_as_json


class Message(BaseModel):
    """The `{"message": …}` answer of seeds 000, 001 and 004 to a delete or a cancel."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"message": "Schedule deleted successfully"}]})

    message: str


def dialect_router(tag: str) -> APIRouter:
    """The router of one dialect: JSON bodies as above, problem answers documented."""
    return APIRouter(tags=[tag], route_class=JsonBodyRoute, responses=ERRORS)


def canonical(template: str) -> dict[str, Any]:
    """The `openapi_extra` of a dialect route doing what the canonical route `template` does.

    The audit log names the action after it (`schedule.update` for seed 002's PUT), so an entry
    reads the same whichever API made the change.
    """
    return audited_as(template)


def dialect_page(
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page (1-200, default 200)")] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000, description="Items to skip")] = 0,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> Page:
    """Paging of dialect lists: the seeds show no paging, so one page holds up to 200 items."""
    return Page(limit=limit, offset=offset, cursor=cursor)


def bare_list_page(
    limit: Annotated[int | None, Query(ge=1, le=200, description="Items per page (1-200); all when absent")] = None,
    offset: Annotated[int | None, Query(ge=0, le=10_000, description="Items to skip")] = None,
    cursor: Annotated[str | None, Query(description="Where the previous page stopped")] = None,
) -> Page | None:
    """Paging of a bare-array list: none asked for (None) means every item, as seeds 000 and 004 say."""
    if limit is None and offset is None and cursor is None:
        return None
    return Page(limit=limit or 200, offset=offset or 0, cursor=cursor)


def every_item(fetch: Callable[[Page], PageResult[T]], page: Page | None) -> list[T]:
    """The page asked for, or without one every item, read from the store a page at a time.

    A bare array has no `next_cursor` to follow, so "Get all schedules" (seeds 000, 004) must not
    stop at a page's end.
    """
    if page is not None:
        return fetch(page).items
    items: list[T] = []
    cursor: str | None = None
    while True:
        result = fetch(Page(limit=200, cursor=cursor))
        items += result.items
        if not result.has_more or not result.next_cursor or not result.items:
            return items
        cursor = result.next_cursor
