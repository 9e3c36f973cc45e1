"""`/jobs`: one-off jobs, the job list, a job's live state, cancellation and results."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from kairos.api.deps import Operator, PageDep, RuntimeDep, StoreDep, Viewer
from kairos.api.idempotency import idempotent
from kairos.api.item_streams import stream_items
from kairos.api.json_body import StrictJSONRoute
from kairos.api.operations import Operations
from kairos.api.present import job_public
from kairos.api.schemas.common import Problem
from kairos.api.schemas.jobs import JobCreate, JobList, JobPublic
from kairos.store.base import JobFilters

router = APIRouter(route_class=StrictJSONRoute, tags=["jobs"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})


@router.post("/jobs", status_code=201, response_model=JobPublic, summary="Run something once, now")
def create_job(body: JobCreate, request: Request, access: Operator, store: StoreDep,
               runtime: RuntimeDep) -> JSONResponse:
    ops = Operations(runtime, access)
    return idempotent(request, store, access, body.model_dump(), 201,
                      lambda: job_public(ops.create_job(body.model_dump())))


@router.get("/jobs", response_model=JobList, summary="List jobs, newest first")
def list_jobs(
    access: Viewer, store: StoreDep, page: PageDep,
    status: Literal["pending", "running", "completed", "failed", "cancelled"] | None = None,
    kind: Literal["task", "callback", "scrape", "reddit"] | None = None,
    schedule_id: str | None = None,
) -> JobList:
    result = store.list_jobs(access.workspace.id,
                             JobFilters(status=status, kind=kind, schedule_id=schedule_id), page)
    return JobList.of_page(result, job_public)


@router.get("/jobs/{job_id}", response_model=JobPublic, summary="A job, with live progress")
def get_job(job_id: str, access: Viewer, store: StoreDep) -> JobPublic:
    return job_public(store.get_job(access.workspace.id, job_id))


@router.delete("/jobs/{job_id}", response_model=JobPublic, responses={409: {"model": Problem}},
               summary="Cancel a pending or running job (409 if it has finished)")
def cancel_job(job_id: str, access: Operator, runtime: RuntimeDep) -> JobPublic:
    return job_public(Operations(runtime, access).cancel_job(job_id))


@router.get("/jobs/{job_id}/results", summary="The job's result items as JSON, NDJSON or CSV",
            responses={200: {"description": "The items, in the asked `format`", "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}}}}})
def results(job_id: str, access: Viewer, store: StoreDep,
            format: Literal["json", "ndjson", "csv"] = "json") -> StreamingResponse:
    return stream_items(store, store.get_job(access.workspace.id, job_id), format)
