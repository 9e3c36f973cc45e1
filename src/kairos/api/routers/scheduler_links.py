"""`/scheduler-links`: link a Celery beat or APScheduler, see it, test it, change it, unlink it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kairos.api.audit import CHANGES_NOTHING
from kairos.api.deps import Admin, Operator, PageDep, SettingsDep, StoreDep, Viewer
from kairos.api.idempotency import idempotent
from kairos.api.json_body import StrictJSONRoute
from kairos.api.link_lookup import source_policy
from kairos.api.schemas.common import Problem
from kairos.api.schemas.links import (
    LinkCreate,
    LinkList,
    LinkPublic,
    LinkTest,
    LinkUpdate,
    WorkerEvents,
)
from kairos.api.schemas.schedules import DeletedResponse
from kairos.domain.links import SchedulerLink, build_link, change_link, mask_url, masked_source
from kairos.exceptions import LinkUnavailable
from kairos.ids import new_id
from kairos.integrations.celery.publish import ping_broker
from kairos.integrations.sources import check_addresses, read_entries
from kairos.settings import Settings
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, tags=["scheduler links"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})
NO_EVENTS = ("no worker events seen yet: Kairos records fires and outcomes from Celery's events, "
             "so start the workers with -E (or run `celery control enable_events`)")


def link_public(link: SchedulerLink) -> LinkPublic:
    events = None
    if link.type == "celery-beat":
        events = WorkerEvents(seen=link.last_event_at is not None, last_event_at=link.last_event_at,
                              note=None if link.last_event_at is not None else NO_EVENTS)
    return LinkPublic(
        id=link.id, workspace_id=link.workspace_id, name=link.name, type=link.type,
        publisher=link.publisher, broker_url=mask_url(link.broker_url),
        result_backend=mask_url(link.result_backend), source=masked_source(link.source),
        writable=link.writable, read_only_reason=link.read_only_reason(), worker_events=events,
        last_sync_at=link.last_sync_at, state=link.state, created_at=link.created_at,
        updated_at=link.updated_at,
    )


@router.post("/scheduler-links", status_code=201, response_model=LinkPublic,
             responses={409: {"model": Problem}}, summary="Link an external scheduler")
def create_link(body: LinkCreate, request: Request, access: Operator, store: StoreDep,
                settings: SettingsDep) -> JSONResponse:
    def produce() -> LinkPublic:
        link = build_link(body.sent(), link_id=new_id("link"), workspace_id=access.workspace.id, now=utcnow())
        check_addresses(link, source_policy(settings))
        store.add_link(link)
        return link_public(link)

    return idempotent(request, store, access, body.sent(), 201, produce)


@router.get("/scheduler-links", response_model=LinkList, summary="List scheduler links")
def list_links(access: Viewer, store: StoreDep, page: PageDep, type: str | None = None) -> LinkList:
    return LinkList.of_page(store.list_links(access.workspace.id, page, type=type), link_public)


@router.get("/scheduler-links/{link_id}", response_model=LinkPublic, summary="Get a scheduler link")
def get_link(link_id: str, access: Viewer, store: StoreDep) -> LinkPublic:
    return link_public(store.get_link(access.workspace.id, link_id))


def _update(link_id: str, body: LinkUpdate, access: Operator, store: StoreDep, settings: Settings) -> LinkPublic:
    changes = body.sent()
    now = utcnow()

    def change(current: SchedulerLink) -> SchedulerLink:
        updated = change_link(current, changes, now=now)
        check_addresses(updated, source_policy(settings))
        return updated

    return link_public(store.update_link(access.workspace.id, link_id, change))


@router.patch("/scheduler-links/{link_id}", response_model=LinkPublic, responses={409: {"model": Problem}},
              summary="Change a link (send a masked URL back unchanged to keep its password)")
def patch_link(link_id: str, body: LinkUpdate, access: Operator, store: StoreDep,
               settings: SettingsDep) -> LinkPublic:
    return _update(link_id, body, access, store, settings)


@router.put("/scheduler-links/{link_id}", response_model=LinkPublic, responses={409: {"model": Problem}},
            summary="Change a link (same partial semantics as PATCH)")
def put_link(link_id: str, body: LinkUpdate, access: Operator, store: StoreDep,
             settings: SettingsDep) -> LinkPublic:
    return _update(link_id, body, access, store, settings)


@router.delete("/scheduler-links/{link_id}", response_model=DeletedResponse,
               summary="Unlink: deletes Kairos's copies of the link's schedules, never the scheduler's")
def delete_link(link_id: str, access: Admin, store: StoreDep) -> DeletedResponse:
    removed = store.delete_link(access.workspace.id, link_id, utcnow())
    return DeletedResponse(message=f"Link deleted with {removed} linked schedule(s)", id=link_id)


@router.post("/scheduler-links/{link_id}/test", response_model=LinkTest, openapi_extra=CHANGES_NOTHING,
             summary="Read the link's schedule store (and reach its broker) without changing anything")
def test_link(link_id: str, access: Operator, store: StoreDep, settings: SettingsDep) -> LinkTest:
    link = store.get_link(access.workspace.id, link_id)
    try:
        entries = read_entries(link, source_policy(settings))
    except LinkUnavailable as exc:
        return LinkTest(ok=False, error=exc.detail)
    broker = None
    if link.broker_url:
        broker = ping_broker(link.broker_url)
    return LinkTest(ok=broker in (None, "ok"), entries=len(entries),
                    read_only=sum(1 for e in entries if e.read_only_reason), broker=broker)
