"""Dialect `reddit` (seeds 000 and 001): workspace Reddit scrape schedules and scrape jobs.

Paths `/compat/reddit/api/v1/workspaces/{workspace_id}/schedules…` and `…/jobs…` (the literal
paths are the canonical API's own). The seeds' names: `is_active`, a bare array of schedules,
`{"jobs", "total", "has_more"}` for jobs, and `{"message"}` answers to delete and cancel.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, JsonValue

from kairos.api.compat.routing import Message, bare_list_page, canonical, dialect_router, every_item
from kairos.api.deps import Access, PageDep, RuntimeDep, StoreDep, require
from kairos.api.idempotency import idempotent
from kairos.api.operations import Operations
from kairos.api.present import job_public
from kairos.api.schemas.common import Timestamp
from kairos.api.schemas.jobs import JobCreate
from kairos.api.schemas.schedules import ScheduleCreate, ScheduleUpdate
from kairos.domain.jobs import Job
from kairos.domain.schedules import Kind, Schedule
from kairos.store.base import JobFilters, Page, ScheduleFilters

TAG = "dialect: reddit (seeds 000, 001)"
PREFIX = "/api/v1/workspaces/{workspace_id}"
router = dialect_router(TAG)
Viewer = Annotated[Access, Depends(require("viewer", "workspace_id"))]
Operator = Annotated[Access, Depends(require("operator", "workspace_id"))]
Admin = Annotated[Access, Depends(require("admin", "workspace_id"))]

SEED_SCHEDULE: dict[str, JsonValue] = {
    "id": "sched_550e8400-e29b-41d4-a716-446655440000", "workspace_id": "ws_550e8400-e29b-41d4-a716-446655440000",
    "target": "technology", "target_type": "subreddit", "mode": "history", "config": {},
    "cron_expression": "0 */6 * * *", "is_active": True, "last_run_at": "2026-03-20T12:00:00Z",
    "next_run_at": "2026-03-20T18:00:00Z", "run_count": 45, "created_at": "2026-02-01T09:00:00Z",
    # Beyond the seed:
    "name": "r/technology", "limit": 100, "timezone": "UTC", "status": "active", "updated_at": "2026-02-01T09:00:00Z",
}
SEED_JOB: dict[str, JsonValue] = {
    "id": "job_550e8400-e29b-41d4-a716-446655440000", "workspace_id": "ws_550e8400-e29b-41d4-a716-446655440000",
    "target": "technology", "target_type": "subreddit", "mode": "full", "config": {}, "status": "completed",
    "started_at": "2026-03-20T14:00:05Z", "completed_at": "2026-03-20T14:02:30Z", "duration_seconds": 145.2,
    "posts_scraped": 100, "comments_scraped": 450, "media_downloaded": 32, "error_message": None,
    "progress": {"posts": 100, "comments": 450}, "created_at": "2026-03-20T14:00:00Z",
    "schedule_id": None, "limit": 100,  # beyond the seed
}
SCHEDULE_EXAMPLES = {"seed": {"summary": "Every 6 hours", "value": {
    "target": "technology", "target_type": "subreddit", "mode": "history", "cron_expression": "0 */6 * * *"}}}
UPDATE_EXAMPLES = {
    "off": {"summary": "Disable", "value": {"is_active": False}},
    "cron": {"summary": "New cron and mode", "value": {"cron_expression": "0 * * * *", "mode": "monitor"}},
}
JOB_EXAMPLES = {"seed": {"summary": "100 newest posts", "value": {
    "target": "technology", "target_type": "subreddit", "mode": "full", "limit": 100,
    "download_media": True, "scrape_comments": True}}}


class RedditSchedule(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SEED_SCHEDULE]})

    id: str
    workspace_id: str
    name: str
    target: str | None
    target_type: str | None
    mode: str | None
    limit: int | None
    config: dict[str, Any]
    cron_expression: str | None
    timezone: str
    is_active: bool
    status: str
    last_run_at: Timestamp | None
    next_run_at: Timestamp | None
    run_count: int
    created_at: Timestamp
    updated_at: Timestamp


class RedditJob(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SEED_JOB]})

    id: str
    workspace_id: str
    schedule_id: str | None
    target: str | None
    target_type: str | None
    mode: str | None
    limit: int | None
    config: dict[str, Any]
    status: str
    started_at: Timestamp | None
    completed_at: Timestamp | None
    duration_seconds: float | None
    posts_scraped: int
    comments_scraped: int
    media_downloaded: int
    error_message: str | None
    progress: dict[str, Any]
    created_at: Timestamp


class RedditJobList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"jobs": [SEED_JOB], "total": 1, "has_more": False}]})

    jobs: list[RedditJob]
    total: int
    has_more: bool



def present(schedule: Schedule) -> RedditSchedule:
    payload = schedule.payload
    return RedditSchedule(
        id=schedule.id, workspace_id=schedule.workspace_id, name=schedule.name,
        target=payload.get("target"), target_type=payload.get("target_type"), mode=payload.get("mode"),
        limit=payload.get("limit"), config=payload.get("config") or {},
        cron_expression=schedule.cron_expression, timezone=schedule.timezone, is_active=schedule.enabled,
        status=schedule.shown_status, last_run_at=schedule.last_run_at,
        next_run_at=schedule.next_run_at if schedule.firing else None, run_count=schedule.run_count,
        created_at=schedule.created_at, updated_at=schedule.updated_at,
    )


def present_job(job: Job) -> RedditJob:
    public = job_public(job)
    counters = public.model_dump()  # the reddit kind's counters, as the canonical API reports them
    payload = job.payload
    return RedditJob(
        id=job.id, workspace_id=job.workspace_id, schedule_id=job.schedule_id,
        target=payload.get("target"), target_type=payload.get("target_type"), mode=payload.get("mode"),
        limit=payload.get("limit"), config=payload.get("config") or {}, status=public.status,
        started_at=job.started_at, completed_at=job.completed_at, duration_seconds=job.duration_seconds,
        # job_public reads them from the job's progress: a running job shows what it fetched so far.
        posts_scraped=counters.get("posts_scraped", 0), comments_scraped=counters.get("comments_scraped", 0),
        media_downloaded=counters.get("media_downloaded", 0), error_message=job.error_message,
        progress=job.progress, created_at=job.created_at,
    )


def _ops(runtime: RuntimeDep, access: Access) -> Operations:
    return Operations(runtime, access, kind=Kind.REDDIT)


@router.get("/schedules", response_model=list[RedditSchedule], summary="List Schedules (a bare array)")
def list_schedules(access: Viewer, store: StoreDep,
                   page: Annotated[Page | None, Depends(bare_list_page)]) -> list[RedditSchedule]:
    filters = ScheduleFilters(kind=Kind.REDDIT.value)
    return [present(s) for s in every_item(lambda p: store.list_schedules(access.workspace.id, filters, p), page)]


@router.post("/schedules", status_code=201, response_model=RedditSchedule, summary="Create Schedule",
             openapi_extra=canonical("/schedules"))
def create_schedule(
    access: Operator, request: Request, store: StoreDep, runtime: RuntimeDep,
    body: Annotated[ScheduleCreate, Body(openapi_examples=SCHEDULE_EXAMPLES)],
) -> JSONResponse:
    ops = _ops(runtime, access)
    return idempotent(request, store, access, body.sent(), 201,
                      lambda: present(ops.create_schedule(body.sent())))


@router.get("/schedules/{schedule_id}", response_model=RedditSchedule, summary="Get Schedule")
def get_schedule(schedule_id: str, access: Viewer, runtime: RuntimeDep) -> RedditSchedule:
    return present(_ops(runtime, access).get_schedule(schedule_id))


@router.patch("/schedules/{schedule_id}", response_model=RedditSchedule, summary="Update Schedule",
              openapi_extra=canonical("/schedules/{schedule_id}"))
def update_schedule(
    schedule_id: str, access: Operator, runtime: RuntimeDep,
    body: Annotated[ScheduleUpdate, Body(openapi_examples=UPDATE_EXAMPLES)],
) -> RedditSchedule:
    return present(_ops(runtime, access).update_schedule(schedule_id, body.sent()))


@router.delete("/schedules/{schedule_id}", response_model=Message, summary="Delete Schedule",
               openapi_extra=canonical("/schedules/{schedule_id}"))
def delete_schedule(schedule_id: str, access: Admin, runtime: RuntimeDep) -> Message:
    _ops(runtime, access).delete_schedule(schedule_id)
    return Message(message="Schedule deleted successfully")


@router.post("/jobs", status_code=201, response_model=RedditJob, summary="Create Scrape Job",
             openapi_extra=canonical("/jobs"))
def create_job(
    access: Operator, request: Request, store: StoreDep, runtime: RuntimeDep,
    body: Annotated[JobCreate, Body(openapi_examples=JOB_EXAMPLES)],
) -> JSONResponse:
    ops = _ops(runtime, access)
    return idempotent(request, store, access, body.model_dump(), 201,
                      lambda: present_job(ops.create_job(body.model_dump())))


@router.get("/jobs", response_model=RedditJobList, summary="List Jobs, newest first")
def list_jobs(
    access: Viewer, store: StoreDep, page: PageDep,
    status: Annotated[Literal["pending", "running", "completed", "failed", "cancelled"] | None,
                      Query(description="Filter by status")] = None,
) -> RedditJobList:
    result = store.list_jobs(access.workspace.id, JobFilters(status=status, kind=Kind.REDDIT.value), page)
    return RedditJobList(jobs=[present_job(j) for j in result.items], total=result.total, has_more=result.has_more)


@router.get("/jobs/{job_id}", response_model=RedditJob, summary="Get Job, with its progress")
def get_job(job_id: str, access: Viewer, runtime: RuntimeDep) -> RedditJob:
    return present_job(_ops(runtime, access).get_job(job_id))


@router.delete("/jobs/{job_id}", response_model=Message, summary="Cancel Job (409 once it has finished)",
               openapi_extra=canonical("/jobs/{job_id}"))
def cancel_job(job_id: str, access: Operator, runtime: RuntimeDep) -> Message:
    _ops(runtime, access).cancel_job(job_id)
    return Message(message="Job cancelled successfully")
