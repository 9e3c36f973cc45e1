"""Kairos as the beat: `KairosScheduler` (in a `celery beat` process) claims due fires and reports them.

`POST /scheduler-links:claim` hands a beat the jobs of the workspace's `publisher: beat` links that
are due, each under a lease only that beat holds; `POST /scheduler-links:published` reports what it
published (task id = the job's id, or `<job id>.<attempt>` for a retry), after which the link's
events end the jobs. A job whose beat died before reporting comes back when its lease expires.
These calls are a beat's bookkeeping, every second or two: they are left out of the audit log,
like previews.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from kairos.api.audit import CHANGES_NOTHING
from kairos.api.deps import Operator, StoreDep
from kairos.api.json_body import StrictJSONRoute
from kairos.api.link_lookup import resolve_link
from kairos.api.schemas.common import InputBody, Problem, Timestamp
from kairos.exceptions import LinkNotFound
from kairos.integrations.celery.trigger import fire_headers
from kairos.store.base import Page
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, tags=["scheduler links"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem},
})
BEAT_NAME = r"^[A-Za-z0-9_.@:-]{1,64}$"
LINK = "link_0192f3a0-7a10-7b20-8c30-4d5e6f708192"


class BeatClaim(InputBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"beat": "beat@worker-1", "limit": 100, "lease_seconds": 30}, {"beat": "beat@worker-1", "link_id": LINK},
    ]})

    beat: str = Field(pattern=BEAT_NAME, description="This beat's name, unique among the running beats")
    link_id: str | None = Field(default=None, max_length=64, description="Only this link (default: every "
                                                                          "`publisher: beat` link)")
    limit: int = Field(default=100, ge=1, le=1000)
    lease_seconds: float = Field(default=30, ge=10, le=600, description=(
        "How long the claim is this beat's alone; it must publish and report within it"))


class ClaimedFire(BaseModel):  # type: ignore[no-redef]  # pydantic-mypy: an `args`/`kwargs` alias
    job_id: str
    task_id: str = Field(description="The Celery task id to publish it under: the job's id for its first "
                                     "attempt, `<job id>.<attempt>` for a retry")
    link_id: str
    task: str
    args: list[Any]
    kwargs: dict[str, Any]
    headers: dict[str, str]
    scheduled_for: Timestamp | None


class ClaimAnswer(BaseModel):
    items: list[ClaimedFire]
    retry_after_seconds: float


class PublishedFire(InputBody):
    job_id: str = Field(max_length=64)
    link_id: str = Field(max_length=64)


class BeatReport(InputBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"beat": "beat@worker-1", "published": [{"job_id": "job_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e71",
                                                 "link_id": LINK}]},
    ]})

    beat: str = Field(pattern=BEAT_NAME)
    published: list[PublishedFire] = Field(max_length=1000)


class ReportAnswer(BaseModel):
    accepted: list[str] = Field(description="Jobs this beat still held (or the link took over on the worker's "
                                            "events); the others were taken back (lease lost) or their link "
                                            "is gone")


@router.post("/scheduler-links:claim", response_model=ClaimAnswer, openapi_extra=CHANGES_NOTHING,
             summary="A KairosScheduler beat claims the due fires of the workspace's beat links")
def claim(body: BeatClaim, access: Operator, store: StoreDep) -> ClaimAnswer:
    if body.link_id is not None:
        links = [resolve_link(store, access.workspace.id, body.link_id, "celery-beat")]
    else:
        links = store.list_links(access.workspace.id, Page(limit=200), type="celery-beat").items
    link_ids = [link.id for link in links if link.publisher == "beat"]
    jobs = store.claim_for_beat(link_ids, body.beat, utcnow(), body.limit, body.lease_seconds)
    items = [ClaimedFire.model_validate({
        "job_id": job.id, "task_id": job.task_id or job.id, "link_id": str(job.payload.get("link_id")),
        "task": str(job.payload.get("task")),
        "args": list(job.payload.get("args") or []), "kwargs": dict(job.payload.get("kwargs") or {}),
        "headers": fire_headers(job.id, None, job.schedule_id), "scheduled_for": job.scheduled_for,
    }) for job in jobs]
    # A full batch means more are waiting: come back at once. Otherwise a second is soon enough,
    # since Kairos's own scheduler fires on time and the worker hands the fire over at once.
    return ClaimAnswer(items=items, retry_after_seconds=0.0 if len(items) == body.limit else 1.0)


@router.post("/scheduler-links:published", response_model=ReportAnswer, openapi_extra=CHANGES_NOTHING,
             summary="A beat reports the fires it published; their outcomes then come from the events")
def published(body: BeatReport, access: Operator, store: StoreDep) -> ReportAnswer:
    by_link: dict[str, list[str]] = {}
    for item in body.published:
        by_link.setdefault(item.link_id, []).append(item.job_id)
    accepted: list[str] = []
    for link_id, job_ids in by_link.items():
        try:
            store.get_link(access.workspace.id, link_id)
        except LinkNotFound:
            # Deleted since the claim (its jobs were cancelled with it), or another workspace's:
            # nothing to accept, but no reason to refuse the rest of the report either.
            continue
        accepted += store.beat_published(link_id, body.beat, job_ids)
    return ReportAnswer(accepted=accepted)
