"""Actions on one schedule: enable, disable, pause, resume, trigger; its fires; previews."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from kairos.api.audit import CHANGES_NOTHING
from kairos.api.deps import Operator, PageDep, RuntimeDep, SettingsDep, StoreDep, Viewer
from kairos.api.idempotency import idempotent
from kairos.api.json_body import StrictJSONRoute
from kairos.api.operations import Operations, limits
from kairos.api.present import fire_public, job_public, schedule_public, schedule_text
from kairos.api.schemas.common import Instant, ListResponse, Problem
from kairos.api.schemas.jobs import JobPublic
from kairos.api.schemas.schedules import (
    FirePublic,
    PreviewRequest,
    PreviewResponse,
    SchedulePublic,
)
from kairos.domain.definition import preview_schedule, upcoming_runs
from kairos.domain.schedules import Schedule, set_enabled, set_paused
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, tags=["schedules"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})


def _change(
    request: Request, access: Operator, store: StoreDep, runtime: RuntimeDep, schedule_id: str,
    change: Callable[[Schedule, datetime], Schedule],
) -> JSONResponse:
    ops = Operations(runtime, access)
    return idempotent(request, store, access, {}, 200,
                      lambda: schedule_public(ops.change_schedule(schedule_id, change)))


@router.post("/schedules/{schedule_id}/enable", response_model=SchedulePublic,
             summary="Enable: fires resume from now, with no burst of missed ones")
def enable(schedule_id: str, request: Request, access: Operator, store: StoreDep,
           runtime: RuntimeDep) -> JSONResponse:
    return _change(request, access, store, runtime, schedule_id, lambda s, now: set_enabled(s, True, now))


@router.post("/schedules/{schedule_id}/disable", response_model=SchedulePublic,
             summary="Disable: no more fires until enabled")
def disable(schedule_id: str, request: Request, access: Operator, store: StoreDep,
            runtime: RuntimeDep) -> JSONResponse:
    return _change(request, access, store, runtime, schedule_id, lambda s, now: set_enabled(s, False, now))


@router.post("/schedules/{schedule_id}/pause", response_model=SchedulePublic,
             summary="Pause: hold the schedule (status `paused`)")
def pause(schedule_id: str, request: Request, access: Operator, store: StoreDep,
          runtime: RuntimeDep) -> JSONResponse:
    return _change(request, access, store, runtime, schedule_id, lambda s, now: set_paused(s, True, now))


@router.post("/schedules/{schedule_id}/resume", response_model=SchedulePublic,
             summary="Resume a paused schedule from now")
def resume(schedule_id: str, request: Request, access: Operator, store: StoreDep,
           runtime: RuntimeDep) -> JSONResponse:
    return _change(request, access, store, runtime, schedule_id, lambda s, now: set_paused(s, False, now))


@router.post("/schedules/{schedule_id}/trigger", status_code=201, response_model=JobPublic,
             responses={409: {"model": Problem}, 502: {"model": Problem}},
             summary="Run the schedule's work now, paused or not; returns the job (and its Celery task_id)")
def trigger(schedule_id: str, request: Request, access: Operator, store: StoreDep,
            runtime: RuntimeDep) -> JSONResponse:
    ops = Operations(runtime, access)
    return idempotent(request, store, access, {}, 201, lambda: job_public(ops.trigger_schedule(schedule_id)))


@router.get("/schedules/{schedule_id}/fires", response_model=ListResponse[FirePublic],
            summary="The schedule's fire history, newest first")
def fires(schedule_id: str, access: Viewer, store: StoreDep, page: PageDep) -> ListResponse[FirePublic]:
    result = store.list_fires(access.workspace.id, schedule_id, page)
    return ListResponse[FirePublic].of_page(result, fire_public)


@router.get("/schedules/{schedule_id}/preview", response_model=PreviewResponse,
            summary="The next fire times of a saved schedule")
def preview_saved(
    schedule_id: str, access: Viewer, store: StoreDep,
    count: Annotated[int, Query(ge=1, le=100)] = 5,
    after: Annotated[Instant | None, Query(description="Exclusive start; default now")] = None,
) -> PreviewResponse:
    schedule = store.get_schedule(access.workspace.id, schedule_id)
    return PreviewResponse(items=upcoming_runs(schedule, after or utcnow(), count),
                           description=schedule_text(schedule), timezone=schedule.timezone)


@router.post("/schedules:preview", response_model=PreviewResponse, openapi_extra=CHANGES_NOTHING,
             summary="The next fire times of an unsaved trigger, with a readable description")
def preview_unsaved(body: PreviewRequest, request: Request, access: Viewer, store: StoreDep,
                    settings: SettingsDep) -> JSONResponse:
    def produce() -> PreviewResponse:
        now = utcnow()
        fields = body.sent()
        fields.pop("count", None)
        after = fields.pop("after", None) or now
        schedule = preview_schedule(fields, now=now, limits=limits(settings))
        return PreviewResponse(items=upcoming_runs(schedule, after, body.count),
                               description=schedule_text(schedule), timezone=schedule.timezone)

    return idempotent(request, store, access, body.model_dump(mode="json", exclude_unset=True), 200, produce)
