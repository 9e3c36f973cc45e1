"""Dialect `agents` (seed 002): workflow callbacks once, after a delay or on cron; pause by PUT.

Paths `/api/agents/{id}/schedules…`, `{id}` being the workspace id or slug. The seed's names:
`type` for the trigger type, `next_run`/`last_run`, `status` `active|paused|completed`, the list as
`{"schedules": […]}`, and `executions` embedded in a schedule read on its own.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, JsonValue

from kairos.api.compat.routing import canonical, dialect_page, dialect_router
from kairos.api.deps import Access, RuntimeDep, StoreDep, require
from kairos.api.idempotency import idempotent
from kairos.api.operations import Operations
from kairos.api.schemas.common import Timestamp
from kairos.api.schemas.schedules import DeletedResponse, ScheduleCreate, ScheduleUpdate
from kairos.domain.jobs import Fire, FireStatus
from kairos.domain.payload_secrets import masked_payload
from kairos.domain.schedules import Kind, Schedule
from kairos.store.base import Page, ScheduleFilters

TAG = "dialect: agents (seed 002)"
PREFIX = "/api/agents/{id}"
router = dialect_router(TAG)
Viewer = Annotated[Access, Depends(require("viewer", "id"))]
Operator = Annotated[Access, Depends(require("operator", "id"))]
Admin = Annotated[Access, Depends(require("admin", "id"))]

# The seed's execution statuses are success, failed, running and skipped; a job not started yet
# is on its way (running), and a cancelled one did not succeed (failed).
EXECUTION_STATUS = {
    FireStatus.PENDING: "running", FireStatus.RUNNING: "running", FireStatus.SUCCEEDED: "success",
    FireStatus.FAILED: "failed", FireStatus.SKIPPED: "skipped", FireStatus.CANCELLED: "failed",
}
# A schedule turned off (canonical `disabled`) is "temporarily disabled": the seed's `paused`.
LISTED_AS = {"active": ("active",), "paused": ("paused", "disabled"), "completed": ("completed",)}
SEED_SCHEDULE: dict[str, JsonValue] = {
    "id": "sched_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e6f", "name": "Daily Report", "type": "cron",
    "cron_expression": "0 9 * * *", "next_run": "2024-12-16T09:00:00Z", "last_run": "2024-12-15T09:00:00Z",
    "callback_type": "workflow", "callback_id": "workflow-456", "status": "active",
    "created_at": "2024-12-15T10:00:00Z",
    # Beyond the seed: the rest of the trigger, and the bookkeeping.
    "run_at": None, "delay_seconds": None, "interval_seconds": None, "timezone": "UTC", "run_count": 1,
    "updated_at": "2024-12-15T10:00:00Z",
}
CREATE_EXAMPLES = {
    "cron": {"summary": "Cron schedule", "value": {
        "name": "Daily Report", "type": "cron", "cron_expression": "0 9 * * *",
        "callback_type": "workflow", "callback_id": "workflow-456", "status": "active"}},
    "once": {"summary": "One-time schedule", "value": {
        "name": "Send Reminder", "type": "once", "next_run": "2024-12-20T15:00:00Z",
        "callback_type": "workflow", "callback_id": "workflow-789"}},
    "delayed": {"summary": "Delayed schedule", "value": {
        "name": "Follow-up", "type": "delayed", "delay_seconds": 3600,
        "callback_type": "workflow", "callback_id": "workflow-123"}},
}
UPDATE_EXAMPLES = {
    "update": {"summary": "Update", "value": {"name": "Updated Schedule", "cron_expression": "0 10 * * *",
                                              "status": "paused"}},
    "pause": {"summary": "Pause", "value": {"status": "paused"}},
    "resume": {"summary": "Resume", "value": {"status": "active"}},
}


class Execution(BaseModel):
    id: str
    executed_at: Timestamp
    status: Literal["success", "failed", "running", "skipped"]
    job_id: str | None
    scheduled_for: Timestamp


class AgentSchedule(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SEED_SCHEDULE]})

    id: str
    name: str
    type: str
    cron_expression: str | None
    run_at: Timestamp | None
    delay_seconds: int | None
    interval_seconds: int | None
    timezone: str
    next_run: Timestamp | None
    last_run: Timestamp | None
    callback_type: str | None
    callback_id: str | None
    status: Literal["active", "paused", "completed"]
    run_count: int
    created_at: Timestamp
    updated_at: Timestamp


class AgentScheduleDetail(AgentSchedule):
    model_config = ConfigDict(json_schema_extra={"examples": [{**SEED_SCHEDULE, "executions": [
        {"id": "fire_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e70", "executed_at": "2024-12-15T09:00:00Z",
         "status": "success", "job_id": "job_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e71",
         "scheduled_for": "2024-12-15T09:00:00Z"}]}]})

    executions: list[Execution]


class AgentScheduleList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"schedules": [SEED_SCHEDULE], "total": 1, "has_more": False, "next_cursor": None}]})

    schedules: list[AgentSchedule]
    total: int
    has_more: bool
    next_cursor: str | None



def present(schedule: Schedule) -> AgentSchedule:
    shown = schedule.shown_status
    return AgentSchedule(
        id=schedule.id, name=schedule.name, type=str(schedule.trigger_type),
        cron_expression=schedule.cron_expression, run_at=schedule.run_at,
        delay_seconds=schedule.delay_seconds, interval_seconds=schedule.interval_seconds,
        timezone=schedule.timezone, next_run=schedule.next_run_at if schedule.firing else None,
        last_run=schedule.last_run_at, callback_type=schedule.payload.get("callback_type"),
        callback_id=masked_payload(schedule.payload).get("callback_id"),
        status="paused" if shown == "disabled" else shown,
        run_count=schedule.run_count, created_at=schedule.created_at, updated_at=schedule.updated_at,
    )


def execution(fire: Fire) -> Execution:
    return Execution(id=fire.id, executed_at=fire.fired_at, status=EXECUTION_STATUS[fire.status],
                     job_id=fire.job_id, scheduled_for=fire.scheduled_for)


def _ops(runtime: RuntimeDep, access: Access) -> Operations:
    return Operations(runtime, access, kind=Kind.CALLBACK)


@router.get("/schedules", response_model=AgentScheduleList, summary="List schedules")
def list_schedules(
    access: Viewer, store: StoreDep, page: Annotated[Page, Depends(dialect_page)],
    status: Annotated[Literal["active", "paused", "completed"] | None, Query(
        description="`paused` includes schedules turned off")] = None,
    type: Literal["once", "delayed", "cron", "interval"] | None = None,
) -> AgentScheduleList:
    filters = ScheduleFilters(kind=Kind.CALLBACK.value, trigger_type=type,
                              status=LISTED_AS[status] if status else None)
    result = store.list_schedules(access.workspace.id, filters, page)
    return AgentScheduleList(schedules=[present(s) for s in result.items], total=result.total,
                             has_more=result.has_more, next_cursor=result.next_cursor)


@router.post("/schedules", status_code=201, response_model=AgentSchedule, summary="Create schedule",
             openapi_extra=canonical("/schedules"))
def create_schedule(
    access: Operator, request: Request, store: StoreDep, runtime: RuntimeDep,
    body: Annotated[ScheduleCreate, Body(openapi_examples=CREATE_EXAMPLES)],
) -> JSONResponse:
    ops = _ops(runtime, access)
    return idempotent(request, store, access, body.sent(), 201,
                      lambda: present(ops.create_schedule(body.sent())))


@router.get("/schedules/{schedule_id}", response_model=AgentScheduleDetail,
            summary="Get schedule, with its executions (the last 10)")
def get_schedule(schedule_id: str, access: Viewer, runtime: RuntimeDep) -> AgentScheduleDetail:
    schedule, fires = _ops(runtime, access).schedule_with_fires(schedule_id)
    return AgentScheduleDetail(**present(schedule).model_dump(), executions=[execution(f) for f in fires])


@router.put("/schedules/{schedule_id}", response_model=AgentSchedule,
            summary="Update schedule (only the fields sent; `status: paused` pauses)",
            openapi_extra=canonical("/schedules/{schedule_id}"))
def update_schedule(
    schedule_id: str, access: Operator, runtime: RuntimeDep,
    body: Annotated[ScheduleUpdate, Body(openapi_examples=UPDATE_EXAMPLES)],
) -> AgentSchedule:
    return present(_ops(runtime, access).update_schedule(schedule_id, body.sent()))


@router.delete("/schedules/{schedule_id}", response_model=DeletedResponse, summary="Delete schedule",
               openapi_extra=canonical("/schedules/{schedule_id}"))
def delete_schedule(schedule_id: str, access: Admin, runtime: RuntimeDep) -> DeletedResponse:
    _ops(runtime, access).delete_schedule(schedule_id)
    return DeletedResponse(message="Schedule deleted successfully", id=schedule_id)

