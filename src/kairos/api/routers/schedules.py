"""`/schedules`: create (one or a batch), list, read, update, delete."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from kairos.api.deps import Admin, Operator, PageDep, RuntimeDep, SettingsDep, StoreDep, Viewer
from kairos.api.errors import validation_errors
from kairos.api.idempotency import idempotent
from kairos.api.json_body import StrictJSONRoute
from kairos.api.present import schedule_public
from kairos.api.schemas.common import Problem
from kairos.api.schemas.schedules import (
    DeletedResponse,
    ScheduleBatch,
    ScheduleCreate,
    ScheduleList,
    SchedulePublic,
    ScheduleUpdate,
)
from kairos.domain.definition import Limits, apply_changes, build_schedule
from kairos.domain.schedules import Schedule
from kairos.exceptions import FieldError, InvalidInput
from kairos.ids import new_id
from kairos.settings import Settings
from kairos.store.base import Page, ScheduleFilters
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, tags=["schedules"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})
RECENT_FIRES = 10


def limits(settings: Settings) -> Limits:
    return Limits(min_interval_seconds=settings.min_interval_seconds,
                  allow_private_networks=settings.allow_private_networks)


@router.post("/schedules", status_code=201, response_model=SchedulePublic,
             summary="Create a schedule")
def create_schedule(
    body: ScheduleCreate, request: Request, access: Operator, store: StoreDep,
    settings: SettingsDep, runtime: RuntimeDep,
) -> JSONResponse:
    def produce() -> SchedulePublic:
        schedule = build_schedule(body.sent(), schedule_id=new_id("sched"),
                                  workspace_id=access.workspace.id, now=utcnow(),
                                  limits=limits(settings), kinds=runtime.kinds.rulebook)
        runtime.kinds.check_stored(store, access.workspace.id, schedule.payload)
        store.add_schedules([schedule])
        runtime.schedule_changed()
        return schedule_public(schedule, show_secret=True)

    return idempotent(request, store, access, body.sent(), 201, produce)


@router.post("/schedules:batch", status_code=201, response_model=ScheduleList,
             summary="Create up to 1000 schedules, all or nothing")
def create_batch(
    body: ScheduleBatch, request: Request, access: Operator, store: StoreDep,
    settings: SettingsDep, runtime: RuntimeDep,
) -> JSONResponse:
    def produce() -> ScheduleList:
        now = utcnow()
        built: list[Schedule] = []
        errors: list[FieldError] = []
        for index, raw in enumerate(body.items):
            try:
                fields = ScheduleCreate.model_validate(raw).sent()
                built.append(build_schedule(fields, schedule_id=new_id("sched"),
                                            workspace_id=access.workspace.id, now=now,
                                            limits=limits(settings), kinds=runtime.kinds.rulebook))
                runtime.kinds.check_stored(store, access.workspace.id, built[-1].payload)
            except ValidationError as exc:
                errors += [FieldError(("items", index, *e["loc"][1:]), e["msg"])
                           for e in validation_errors(list(exc.errors()), ("body",))]
            except InvalidInput as exc:
                errors += [FieldError(("items", index, *e.loc), e.msg) for e in exc.errors]
        if errors:
            raise InvalidInput(errors=errors)
        store.add_schedules(built)
        runtime.schedule_changed()
        items = [schedule_public(s, show_secret=True) for s in built]
        return ScheduleList(items=items, total=len(items), has_more=False)

    return idempotent(request, store, access, body.model_dump(), 201, produce)


@router.get("/schedules", response_model=ScheduleList, summary="List schedules")
def list_schedules(
    access: Viewer, store: StoreDep, page: PageDep,
    status: Literal["active", "paused", "completed"] | None = None,
    enabled: bool | None = None,
    kind: Literal["task", "callback", "scrape", "reddit"] | None = None,
    trigger_type: Annotated[Literal["cron", "interval", "once", "delayed"] | None,
                            Query(alias="trigger_type")] = None,
    type: Annotated[Literal["cron", "interval", "once", "delayed"] | None,
                    Query(description="Alias of trigger_type")] = None,
    scheduler: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Search in names and targets")] = None,
) -> ScheduleList:
    if trigger_type and type and trigger_type != type:
        raise InvalidInput.field(("query", "type"), "conflicts with trigger_type")
    filters = ScheduleFilters(status=status, enabled=enabled, kind=kind,
                              trigger_type=trigger_type or type, scheduler=scheduler, q=q)
    result = store.list_schedules(access.workspace.id, filters, page)
    return ScheduleList.of_page(result, schedule_public)


@router.get("/schedules/{schedule_id}", response_model=SchedulePublic, summary="Get a schedule")
def get_schedule(schedule_id: str, access: Viewer, store: StoreDep) -> SchedulePublic:
    schedule = store.get_schedule(access.workspace.id, schedule_id)
    fires = store.list_fires(access.workspace.id, schedule_id, Page(limit=RECENT_FIRES)).items
    return schedule_public(schedule, fires=fires)


def _update(schedule_id: str, body: ScheduleUpdate, access: Operator, store: StoreDep,
            settings: Settings, runtime: RuntimeDep) -> SchedulePublic:
    changes: dict[str, Any] = body.sent()
    now = utcnow()
    runtime.kinds.check_stored(store, access.workspace.id, changes)
    updated = store.update_schedule(
        access.workspace.id, schedule_id,
        lambda current: apply_changes(current, changes, now=now, limits=limits(settings),
                                      kinds=runtime.kinds.rulebook),
    )
    runtime.schedule_changed()
    return schedule_public(updated)


@router.patch("/schedules/{schedule_id}", response_model=SchedulePublic,
              summary="Update any subset of a schedule's fields")
def patch_schedule(schedule_id: str, body: ScheduleUpdate, access: Operator, store: StoreDep,
                   settings: SettingsDep, runtime: RuntimeDep) -> SchedulePublic:
    return _update(schedule_id, body, access, store, settings, runtime)


@router.put("/schedules/{schedule_id}", response_model=SchedulePublic,
            summary="Update a schedule (same partial semantics as PATCH)")
def put_schedule(schedule_id: str, body: ScheduleUpdate, access: Operator, store: StoreDep,
                 settings: SettingsDep, runtime: RuntimeDep) -> SchedulePublic:
    return _update(schedule_id, body, access, store, settings, runtime)


@router.delete("/schedules/{schedule_id}", response_model=DeletedResponse,
               summary="Delete a schedule and its fire history")
def delete_schedule(schedule_id: str, access: Admin, store: StoreDep) -> DeletedResponse:
    store.delete_schedule(access.workspace.id, schedule_id)
    return DeletedResponse(message="Schedule deleted successfully", id=schedule_id)
