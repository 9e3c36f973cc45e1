"""`/schedules`: create (one or a batch), list, read, update, delete."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from kairos.api.deps import Admin, Operator, PageDep, RuntimeDep, StoreDep, Viewer
from kairos.api.errors import validation_errors
from kairos.api.idempotency import idempotent, without_webhook_secrets
from kairos.api.json_body import StrictJSONRoute
from kairos.api.operations import Operations
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
from kairos.domain.schedules import Schedule
from kairos.exceptions import FieldError, InvalidInput
from kairos.store.base import ScheduleFilters
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, tags=["schedules"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})
STATUSES = Literal["active", "paused", "completed", "disabled"]


@router.post("/schedules", status_code=201, response_model=SchedulePublic,
             summary="Create a schedule")
def create_schedule(body: ScheduleCreate, request: Request, access: Operator, store: StoreDep,
                    runtime: RuntimeDep) -> JSONResponse:
    ops = Operations(runtime, access)
    return idempotent(request, store, access, body.sent(), 201,
                      lambda: schedule_public(ops.create_schedule(body.sent()), show_secret=True),
                      replay=without_webhook_secrets)


@router.post("/schedules:batch", status_code=201, response_model=ScheduleList,
             summary="Create up to 1000 schedules, all or nothing")
def create_batch(body: ScheduleBatch, request: Request, access: Operator, store: StoreDep,
                 runtime: RuntimeDep) -> JSONResponse:
    ops = Operations(runtime, access)

    def produce() -> ScheduleList:
        now = utcnow()
        built: list[Schedule] = []
        errors: list[FieldError] = []
        for index, raw in enumerate(body.items):
            try:
                built.append(ops.build_schedule(ScheduleCreate.model_validate(raw).sent(), now))
            except ValidationError as exc:
                errors += [FieldError(("items", index, *e["loc"][1:]), e["msg"])
                           for e in validation_errors(list(exc.errors()), ("body",))]
            except InvalidInput as exc:
                errors += [FieldError(("items", index, *e.loc), e.msg) for e in exc.errors]
        if errors:
            raise InvalidInput(errors=errors)
        ops.add_schedules(built)
        items = [schedule_public(s, show_secret=True) for s in built]
        return ScheduleList(items=items, total=len(items), has_more=False)

    return idempotent(request, store, access, body.model_dump(), 201, produce, replay=without_webhook_secrets)


@router.get("/schedules", response_model=ScheduleList, summary="List schedules")
def list_schedules(
    access: Viewer, store: StoreDep, page: PageDep,
    status: Annotated[STATUSES | None, Query(
        description="`active` lists exactly the schedules that will fire")] = None,
    enabled: bool | None = None,
    kind: Literal["task", "callback", "scrape", "reddit"] | None = None,
    trigger_type: Annotated[Literal["cron", "interval", "once", "delayed"] | None,
                            Query(alias="trigger_type")] = None,
    type: Annotated[Literal["cron", "interval", "once", "delayed"] | None,
                    Query(description="Alias of trigger_type")] = None,
    scheduler: str | None = None,
    link_id: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Search in names and targets")] = None,
) -> ScheduleList:
    if trigger_type and type and trigger_type != type:
        raise InvalidInput.field(("query", "type"), "conflicts with trigger_type")
    filters = ScheduleFilters(status=status, enabled=enabled, kind=kind,
                              trigger_type=trigger_type or type, scheduler=scheduler,
                              link_id=link_id, q=q)
    result = store.list_schedules(access.workspace.id, filters, page)
    return ScheduleList.of_page(result, schedule_public)


@router.get("/schedules/{schedule_id}", response_model=SchedulePublic, summary="Get a schedule")
def get_schedule(schedule_id: str, access: Viewer, runtime: RuntimeDep) -> SchedulePublic:
    schedule, fires = Operations(runtime, access).schedule_with_fires(schedule_id)
    return schedule_public(schedule, fires=fires)


@router.patch("/schedules/{schedule_id}", response_model=SchedulePublic,
              summary="Update any subset of a schedule's fields")
def patch_schedule(schedule_id: str, body: ScheduleUpdate, access: Operator,
                   runtime: RuntimeDep) -> SchedulePublic:
    return schedule_public(Operations(runtime, access).update_schedule(schedule_id, body.sent()))


@router.put("/schedules/{schedule_id}", response_model=SchedulePublic,
            summary="Update a schedule (same partial semantics as PATCH)")
def put_schedule(schedule_id: str, body: ScheduleUpdate, access: Operator,
                 runtime: RuntimeDep) -> SchedulePublic:
    return schedule_public(Operations(runtime, access).update_schedule(schedule_id, body.sent()))


@router.delete("/schedules/{schedule_id}", response_model=DeletedResponse,
               summary="Delete a schedule and its fire history")
def delete_schedule(schedule_id: str, access: Admin, runtime: RuntimeDep) -> DeletedResponse:
    Operations(runtime, access).delete_schedule(schedule_id)
    return DeletedResponse(message="Schedule deleted successfully", id=schedule_id)
