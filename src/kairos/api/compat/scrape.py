"""Dialect `scrape` (seed 004): interval or cron URL scrapes with strategies, webhooks, changes.

Paths `/api/schedules…`; the workspace is the API key's (a signed-in person's only one, or the
one named by `X-Kairos-Workspace`). The seed's names: `schedule_id`, `schedule_type`, a bare array
for the list, `null` for unset `webhook_metadata` and `parameters`, the secret only in the create
and regenerate answers, and a 404 for a strategy that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, JsonValue

from kairos.api.changes_feed import changes_feed
from kairos.api.compat.routing import Message, bare_list_page, canonical, dialect_router, every_item
from kairos.api.deps import Access, RuntimeDep, StoreDep, require_own
from kairos.api.idempotency import idempotent, without_webhook_secrets
from kairos.api.operations import Operations
from kairos.api.schemas.changes import ChangesResponse
from kairos.api.schemas.common import Timestamp
from kairos.api.schemas.deliveries import WebhookSecretPublic
from kairos.api.schemas.schedules import ScheduleCreate, ScheduleUpdate
from kairos.domain.payload_secrets import masked_payload
from kairos.domain.schedules import Kind, Schedule
from kairos.exceptions import StrategyNotFound, UnknownStrategy
from kairos.store.base import Page, ScheduleFilters

TAG = "dialect: scrape (seed 004)"
PREFIX = "/api"
router = dialect_router(TAG)
Viewer = Annotated[Access, Depends(require_own("viewer"))]
Operator = Annotated[Access, Depends(require_own("operator"))]
Admin = Annotated[Access, Depends(require_own("admin"))]
T = TypeVar("T")

SEED_SCHEDULE: dict[str, JsonValue] = {
    "schedule_id": "sched_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e6f",
    "strategy_id": "strat_0192f3a0-0000-7000-8000-00000000000a",
    "url": "https://example.com/products", "urls": None, "schedule_type": "interval", "interval_seconds": 3600,
    "cron_expression": None, "enabled": True, "webhook_url": "https://your-app.com/webhooks/meter",
    "webhook_metadata": None, "webhook_type": "standard", "parameters": None,
    "next_run_at": "2025-01-15T11:30:00Z", "last_run_at": None,
    "created_at": "2025-01-15T10:30:00Z", "updated_at": "2025-01-15T10:30:00Z",
    # Beyond the seed:
    "name": "scrape example.com", "timezone": "UTC", "status": "active",
}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CREATE_EXAMPLES = {
    "interval": {"summary": "Interval-based", "value": {
        "strategy_id": SEED_SCHEDULE["strategy_id"], "url": "https://example.com/products",
        "interval_seconds": 3600, "webhook_url": "https://your-app.com/webhooks/meter"}},
    "cron": {"summary": "Cron-based", "value": {
        "strategy_id": SEED_SCHEDULE["strategy_id"], "url": "https://example.com/products",
        "cron_expression": "0 9 * * *", "webhook_url": "https://your-app.com/webhooks/meter"}},
    "secret": {"summary": "With a shared secret of your own", "value": {
        "strategy_id": SEED_SCHEDULE["strategy_id"], "urls": ["https://example.com/a", "https://example.com/b"],
        "interval_seconds": 3600, "webhook_url": "https://your-app.com/webhooks/meter",
        "webhook_secret": "a-long-shared-secret-of-mine", "webhook_metadata": {"project": "catalogue"}}},
}
UPDATE_EXAMPLES = {
    "all": {"summary": "Several fields", "value": {
        "enabled": False, "interval_seconds": 7200, "webhook_url": "https://new-domain.com/webhooks",
        "webhook_metadata": {"project": "updated-project"}, "webhook_type": "standard"}},
    "disable": {"summary": "Disable schedule", "value": {"enabled": False}},
    "interval": {"summary": "Change interval", "value": {"interval_seconds": 7200}},
}


class ScrapeSchedule(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SEED_SCHEDULE]})

    schedule_id: str
    name: str
    strategy_id: str | None
    url: str | None
    urls: list[str] | None
    schedule_type: str
    interval_seconds: int | None
    cron_expression: str | None
    timezone: str
    enabled: bool
    status: str
    webhook_url: str | None
    webhook_metadata: dict[str, Any] | None
    webhook_type: str | None
    parameters: dict[str, Any] | None
    next_run_at: Timestamp | None
    last_run_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class CreatedScrapeSchedule(ScrapeSchedule):
    model_config = ConfigDict(json_schema_extra={"examples": [{**SEED_SCHEDULE, "webhook_secret": SECRET}]})

    webhook_secret: str | None
    secret_note: str | None = None  # set on an Idempotency-Key replay: where the secret went



def present(schedule: Schedule) -> ScrapeSchedule:
    payload = masked_payload(schedule.payload)  # credentials in parameters and URLs are write-only
    return ScrapeSchedule(
        schedule_id=schedule.id, name=schedule.name, strategy_id=payload.get("strategy_id"),
        url=payload.get("url"), urls=payload.get("urls"), schedule_type=str(schedule.trigger_type),
        interval_seconds=schedule.interval_seconds, cron_expression=schedule.cron_expression,
        timezone=schedule.timezone, enabled=schedule.enabled, status=schedule.shown_status,
        webhook_url=schedule.webhook_url, webhook_metadata=schedule.webhook_metadata or None,
        webhook_type=schedule.webhook_type, parameters=payload.get("parameters") or None,
        next_run_at=schedule.next_run_at if schedule.firing else None, last_run_at=schedule.last_run_at,
        created_at=schedule.created_at, updated_at=schedule.updated_at,
    )


def _ops(runtime: RuntimeDep, access: Access) -> Operations:
    return Operations(runtime, access, kind=Kind.SCRAPE)


def _strategy_404(run: Callable[[], T]) -> T:
    """The seed answers 404 for a strategy that does not exist (the canonical API: a 400)."""
    try:
        return run()
    except UnknownStrategy as exc:
        raise StrategyNotFound(exc.strategy_id, f"strategy_id: strategy {exc.strategy_id!r} not found") from None


@router.post("/schedules", status_code=201, response_model=CreatedScrapeSchedule,
             summary="Create schedule (the only answer that shows the webhook secret)",
             openapi_extra=canonical("/schedules"))
def create_schedule(
    access: Operator, request: Request, store: StoreDep, runtime: RuntimeDep,
    body: Annotated[ScheduleCreate, Body(openapi_examples=CREATE_EXAMPLES)],
) -> JSONResponse:
    ops = _ops(runtime, access)

    def produce() -> CreatedScrapeSchedule:
        schedule = _strategy_404(lambda: ops.create_schedule(body.sent()))
        return CreatedScrapeSchedule(**present(schedule).model_dump(), webhook_secret=schedule.webhook_secret)

    return idempotent(request, store, access, body.sent(), 201, produce, replay=without_webhook_secrets)


@router.get("/schedules", response_model=list[ScrapeSchedule], summary="List schedules (a bare array)")
def list_schedules(
    access: Viewer, store: StoreDep, page: Annotated[Page | None, Depends(bare_list_page)],
    enabled: bool | None = None,
) -> list[ScrapeSchedule]:
    filters = ScheduleFilters(kind=Kind.SCRAPE.value, enabled=enabled)
    return [present(s) for s in every_item(lambda p: store.list_schedules(access.workspace.id, filters, p), page)]


@router.get("/schedules/{schedule_id}", response_model=ScrapeSchedule, summary="Get schedule")
def get_schedule(schedule_id: str, access: Viewer, runtime: RuntimeDep) -> ScrapeSchedule:
    return present(_ops(runtime, access).get_schedule(schedule_id))


@router.patch("/schedules/{schedule_id}", response_model=ScrapeSchedule,
              summary="Update schedule (only the fields sent)", openapi_extra=canonical("/schedules/{schedule_id}"))
def update_schedule(
    schedule_id: str, access: Operator, runtime: RuntimeDep,
    body: Annotated[ScheduleUpdate, Body(openapi_examples=UPDATE_EXAMPLES)],
) -> ScrapeSchedule:
    ops = _ops(runtime, access)
    return present(_strategy_404(lambda: ops.update_schedule(schedule_id, body.sent())))


@router.delete("/schedules/{schedule_id}", response_model=Message, summary="Delete schedule (stops future jobs)",
               openapi_extra=canonical("/schedules/{schedule_id}"))
def delete_schedule(schedule_id: str, access: Admin, runtime: RuntimeDep) -> Message:
    _ops(runtime, access).delete_schedule(schedule_id)
    return Message(message="Schedule deleted successfully")


@router.post("/schedules/{schedule_id}/webhook-secret/regenerate", response_model=WebhookSecretPublic,
             summary="Regenerate webhook secret; the old one stops working at once",
             openapi_extra=canonical("/schedules/{schedule_id}/webhook-secret/regenerate"))
def regenerate_secret(schedule_id: str, request: Request, access: Operator, store: StoreDep,
                      runtime: RuntimeDep) -> JSONResponse:
    ops = _ops(runtime, access)
    return idempotent(request, store, access, {}, 200, lambda: WebhookSecretPublic(
        schedule_id=schedule_id, webhook_secret=ops.regenerate_secret(schedule_id)),
                      replay=without_webhook_secrets)


@router.get("/schedules/{schedule_id}/changes", response_model=ChangesResponse,
            summary="Get unseen changes (marks them seen unless mark_seen=false)")
def changes(
    schedule_id: str, access: Viewer, runtime: RuntimeDep, store: StoreDep,
    mark_seen: bool = True,
    filter_text: Annotated[str | None, Query(alias="filter", description="Lucene-style keyword filter")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ChangesResponse:
    _ops(runtime, access).get_schedule(schedule_id)
    return changes_feed(store, access.workspace.id, schedule_id, mark_seen=mark_seen,
                        filter_text=filter_text, limit=limit)
