"""Dialect `projects` (seed 003): project schedules of Celery beat / APScheduler style tasks.

Paths `/api/v1/projects/{slug}/schedules…`, `{slug}` being the workspace slug or id. The seed's
names: `project_id`, the Celery `trigger` object, the list as `{"items", "next_cursor"}`, the
actions enable / disable / trigger (which answers the task id), the fire history, and the sync
with a linked Celery beat / APScheduler (`schedules:import|:diff|:resync`, the canonical sync's
answers with the seed's `project_id`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, JsonValue

from kairos.api import sync_operations as sync
from kairos.api.audit import CHANGES_NOTHING
from kairos.api.compat.routing import canonical, dialect_page, dialect_router
from kairos.api.deps import Access, RuntimeDep, SettingsDep, StoreDep, require
from kairos.api.idempotency import idempotent
from kairos.api.operations import Operations
from kairos.api.present import fire_public
from kairos.api.schemas.common import Timestamp
from kairos.api.schemas.links import NO_BODY, DiffResponse, ResyncRequest, SyncRequest, SyncResponse
from kairos.api.schemas.schedules import DeletedResponse, FirePublic, ScheduleCreate, ScheduleUpdate
from kairos.domain.describe import cron_to_celery
from kairos.domain.schedules import Kind, Schedule, set_enabled
from kairos.store.base import Page, ScheduleFilters

TAG = "dialect: projects (seed 003)"
PREFIX = "/api/v1/projects/{slug}"
router = dialect_router(TAG)
Viewer = Annotated[Access, Depends(require("viewer", "slug"))]
Operator = Annotated[Access, Depends(require("operator", "slug"))]
Admin = Annotated[Access, Depends(require("admin", "slug"))]
PageDep = Annotated[Page, Depends(dialect_page)]

SEED_BODY: dict[str, JsonValue] = {
    "name": "email.daily-digest", "scheduler": "celery-beat", "trigger_type": "cron",
    "trigger": {"minute": "0", "hour": "9", "day_of_week": "*"},
    "task": "email.send_daily_digest", "args": [], "kwargs": {"locale": "en-US"}, "enabled": True,
}
SEED_SCHEDULE: dict[str, JsonValue] = {
    "id": "sched_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e6f", "project_id": "ws_0192f3a0-0000-7000-8000-000000000001",
    **SEED_BODY, "scheduler": "kairos",
    "trigger": {"minute": "0", "hour": "9", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
    "last_run_at": "2026-03-19T09:00:00Z", "next_run_at": "2026-03-20T09:00:00Z",
    "created_at": "2026-03-01T12:00:00Z", "updated_at": "2026-03-01T12:00:00Z",
    # Beyond the seed:
    "cron_expression": "0 9 * * *", "interval_seconds": None, "run_at": None, "timezone": "UTC",
    "executor": "local", "status": "active",
}
CREATE_EXAMPLES = {
    "celery-beat": {"summary": "The seed's body (needs a linked Celery beat)", "value": SEED_BODY},
    "kairos": {"summary": "The same task, scheduled by Kairos itself",
               "value": {k: v for k, v in SEED_BODY.items() if k != "scheduler"}},
}
UPDATE_EXAMPLES = {
    "hour": {"summary": "Move it to 10:00", "value": {"trigger": {"minute": "0", "hour": "10"}}},
    "kwargs": {"summary": "New arguments", "value": {"kwargs": {"locale": "de-DE"}}},
}


class ProjectSchedule(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SEED_SCHEDULE]})

    id: str
    project_id: str
    name: str
    scheduler: str
    trigger_type: str
    trigger: dict[str, str] | None
    cron_expression: str | None
    interval_seconds: int | None
    run_at: Timestamp | None
    timezone: str
    task: str | None
    args: list[Any] | None
    kwargs: dict[str, Any] | None
    executor: str | None
    enabled: bool
    status: str
    last_run_at: Timestamp | None
    next_run_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class ProjectScheduleList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"items": [SEED_SCHEDULE], "next_cursor": None, "total": 1, "has_more": False}]})

    items: list[ProjectSchedule]
    next_cursor: str | None
    total: int
    has_more: bool


class Triggered(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "task_id": "job_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e71", "job_id": "job_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e71",
        "schedule_id": SEED_SCHEDULE["id"], "status": "pending"}]})

    task_id: str
    job_id: str
    schedule_id: str
    status: str


class FireList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [{
        "id": "fire_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e70", "schedule_id": SEED_SCHEDULE["id"],
        "scheduled_for": "2026-03-19T09:00:00Z", "fired_at": "2026-03-19T09:00:00Z",
        "job_id": "job_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e71", "task_id": "job_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e71",
        "status": "succeeded", "trigger": "schedule"}], "next_cursor": None, "total": 1, "has_more": False}]})

    items: list[FirePublic]
    next_cursor: str | None
    total: int
    has_more: bool


def present(schedule: Schedule) -> ProjectSchedule:
    payload = schedule.payload
    return ProjectSchedule(
        id=schedule.id, project_id=schedule.workspace_id, name=schedule.name, scheduler=schedule.scheduler,
        trigger_type=str(schedule.trigger_type),
        trigger=cron_to_celery(schedule.cron_expression) if schedule.cron_expression else None,
        cron_expression=schedule.cron_expression, interval_seconds=schedule.interval_seconds,
        run_at=schedule.run_at, timezone=schedule.timezone, task=payload.get("task"),
        args=payload.get("args"), kwargs=payload.get("kwargs"), executor=payload.get("executor"),
        enabled=schedule.enabled, status=schedule.shown_status, last_run_at=schedule.last_run_at,
        next_run_at=schedule.next_run_at if schedule.firing else None,
        created_at=schedule.created_at, updated_at=schedule.updated_at,
    )


def _ops(runtime: RuntimeDep, access: Access) -> Operations:
    return Operations(runtime, access, kind=Kind.TASK)


@router.get("/schedules", response_model=ProjectScheduleList, summary="List schedules (viewer)")
def list_schedules(
    access: Viewer, store: StoreDep, page: PageDep,
    scheduler: Annotated[str | None, Query(description="kairos, celery-beat or apscheduler")] = None,
    enabled: bool | None = None,
) -> ProjectScheduleList:
    filters = ScheduleFilters(kind=Kind.TASK.value, scheduler=scheduler, enabled=enabled)
    result = store.list_schedules(access.workspace.id, filters, page)
    return ProjectScheduleList(items=[present(s) for s in result.items], next_cursor=result.next_cursor,
                               total=result.total, has_more=result.has_more)


@router.get("/schedules/{schedule_id}", response_model=ProjectSchedule, summary="Get a schedule (viewer)")
def get_schedule(schedule_id: str, access: Viewer, runtime: RuntimeDep) -> ProjectSchedule:
    return present(_ops(runtime, access).get_schedule(schedule_id))


@router.post("/schedules", status_code=201, response_model=ProjectSchedule,
             summary="Create a schedule (operator)", openapi_extra=canonical("/schedules"))
def create_schedule(
    access: Operator, request: Request, store: StoreDep, runtime: RuntimeDep,
    body: Annotated[ScheduleCreate, Body(openapi_examples=CREATE_EXAMPLES)],
) -> JSONResponse:
    ops = _ops(runtime, access)
    return idempotent(request, store, access, body.sent(), 201,
                      lambda: present(ops.create_schedule(body.sent())))


@router.patch("/schedules/{schedule_id}", response_model=ProjectSchedule,
              summary="Update any subset of the create fields (operator)",
              openapi_extra=canonical("/schedules/{schedule_id}"))
def update_schedule(
    schedule_id: str, access: Operator, runtime: RuntimeDep,
    body: Annotated[ScheduleUpdate, Body(openapi_examples=UPDATE_EXAMPLES)],
) -> ProjectSchedule:
    return present(_ops(runtime, access).update_schedule(schedule_id, body.sent()))


@router.delete("/schedules/{schedule_id}", response_model=DeletedResponse, summary="Delete a schedule (admin)",
               openapi_extra=canonical("/schedules/{schedule_id}"))
def delete_schedule(schedule_id: str, access: Admin, runtime: RuntimeDep) -> DeletedResponse:
    _ops(runtime, access).delete_schedule(schedule_id)
    return DeletedResponse(message="Schedule deleted successfully", id=schedule_id)


def _enabled(request: Request, access: Access, store: StoreDep, runtime: RuntimeDep, schedule_id: str,
             on: bool) -> JSONResponse:
    ops = _ops(runtime, access)
    return idempotent(request, store, access, {}, 200, lambda: present(ops.change_schedule(
        schedule_id, lambda schedule, now: set_enabled(schedule, on, now))))


@router.post("/schedules/{schedule_id}/enable", response_model=ProjectSchedule,
             summary="Enable (operator): fires resume from now",
             openapi_extra=canonical("/schedules/{schedule_id}/enable"))
def enable(schedule_id: str, request: Request, access: Operator, store: StoreDep,
           runtime: RuntimeDep) -> JSONResponse:
    return _enabled(request, access, store, runtime, schedule_id, True)


@router.post("/schedules/{schedule_id}/disable", response_model=ProjectSchedule,
             summary="Disable (operator): no fires until enabled",
             openapi_extra=canonical("/schedules/{schedule_id}/disable"))
def disable(schedule_id: str, request: Request, access: Operator, store: StoreDep,
            runtime: RuntimeDep) -> JSONResponse:
    return _enabled(request, access, store, runtime, schedule_id, False)


@router.post("/schedules/{schedule_id}/trigger", status_code=201, response_model=Triggered,
             summary="Run the task once now (operator); answers its task id",
             openapi_extra=canonical("/schedules/{schedule_id}/trigger"))
def trigger(schedule_id: str, request: Request, access: Operator, store: StoreDep,
            runtime: RuntimeDep) -> JSONResponse:
    ops = _ops(runtime, access)

    def produce() -> Triggered:
        job = ops.trigger_schedule(schedule_id)
        # A Celery task's id once it is sent; a local task is known by its job's id.
        return Triggered(task_id=job.task_id or job.id, job_id=job.id, schedule_id=schedule_id,
                         status=str(job.status))

    return idempotent(request, store, access, {}, 201, produce)


@router.get("/schedules/{schedule_id}/fires", response_model=FireList,
            summary="The fire history, newest first (viewer)")
def fires(schedule_id: str, access: Viewer, runtime: RuntimeDep, store: StoreDep, page: PageDep) -> FireList:
    _ops(runtime, access).get_schedule(schedule_id)
    result = store.list_fires(access.workspace.id, schedule_id, page)
    # As from `trigger`: a local task's id is its job's.
    items = [fire_public(f).model_copy(update={"task_id": f.task_id or f.job_id}) for f in result.items]
    return FireList(items=items, next_cursor=result.next_cursor,
                    total=result.total, has_more=result.has_more)


# The sync with a linked scheduler: the canonical operations, answered with `project_id`.
SYNC_EXAMPLE: dict[str, JsonValue] = {
    "project_id": SEED_SCHEDULE["project_id"], "link_id": "link_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e80",
    "added": [{"name": "email.daily-digest", "schedule_id": None, "task": "email.send_daily_digest",
               "cron_expression": "0 9 * * *", "kwargs": {"locale": "en-US"}}],
    "removed": [], "changed": [], "unchanged": 0, "read_only": [],
}


class ProjectDiff(DiffResponse):
    model_config = ConfigDict(json_schema_extra={"examples": [SYNC_EXAMPLE]})

    project_id: str


class ProjectSync(SyncResponse):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {**SYNC_EXAMPLE, "direction": "from_scheduler", "applied": True}]})

    project_id: str


SYNC_EXAMPLES = {"only-link": {"summary": "The workspace's one link", "value": {}},
                 "named": {"summary": "A link by id", "value": {"link_id": SYNC_EXAMPLE["link_id"]}}}
RESYNC_EXAMPLES = {
    "from": {"summary": "Kairos's copies follow the scheduler", "value": {"direction": "from_scheduler"}},
    "to": {"summary": "The scheduler follows Kairos (a writable link)", "value": {"direction": "to_scheduler"}},
}


@router.post("/schedules:diff", response_model=ProjectDiff, summary="What differs from the scheduler (operator)",
             openapi_extra={**canonical("/schedules:diff"), **CHANGES_NOTHING})
def diff_schedules(access: Operator, store: StoreDep, settings: SettingsDep,
                   body: Annotated[SyncRequest, Body(openapi_examples=SYNC_EXAMPLES)] = NO_BODY) -> ProjectDiff:
    found = sync.diff_schedules(body, access, store, settings)
    return ProjectDiff(**found.model_dump(), project_id=access.workspace.id)


@router.post("/schedules:import", response_model=ProjectSync,
             summary="Materialise the scheduler's schedules (operator)", openapi_extra=canonical("/schedules:import"))
def import_schedules(access: Operator, request: Request, store: StoreDep, settings: SettingsDep,
                     runtime: RuntimeDep,
                     body: Annotated[SyncRequest, Body(openapi_examples=SYNC_EXAMPLES)] = NO_BODY) -> JSONResponse:
    return idempotent(request, store, access, body.model_dump(), 200, lambda: ProjectSync(
        **sync.import_schedules(body, request, access, store, settings, runtime).model_dump(),
        project_id=access.workspace.id))


@router.post("/schedules:resync", response_model=ProjectSync,
             summary="Reconcile one way, as the body says (operator)", openapi_extra=canonical("/schedules:resync"))
def resync_schedules(access: Operator, request: Request, store: StoreDep, settings: SettingsDep,
                     runtime: RuntimeDep,
                     body: Annotated[ResyncRequest, Body(openapi_examples=RESYNC_EXAMPLES)]) -> JSONResponse:
    return idempotent(request, store, access, body.model_dump(), 200, lambda: ProjectSync(
        **sync.resync_schedules(body, request, access, store, settings, runtime).model_dump(),
        project_id=access.workspace.id))
