"""A schedule's webhook: its deliveries, resending one, and a new signing secret."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kairos.api.deps import Operator, PageDep, RuntimeDep, StoreDep, Viewer
from kairos.api.idempotency import idempotent, without_webhook_secrets
from kairos.api.json_body import StrictJSONRoute
from kairos.api.operations import Operations
from kairos.api.schemas.common import ListResponse, Problem
from kairos.api.schemas.deliveries import DeliveryAttemptPublic, DeliveryPublic, WebhookSecretPublic
from kairos.store.delivery import Delivery
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, tags=["webhooks"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})


def _payload(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body


def delivery_public(delivery: Delivery) -> DeliveryPublic:
    return DeliveryPublic(
        id=delivery.id, schedule_id=delivery.schedule_id, job_id=delivery.job_id,
        event=delivery.event, status=str(delivery.status), attempt_count=delivery.attempt_count,
        next_attempt_at=delivery.next_attempt_at,
        attempts=[DeliveryAttemptPublic(at=a.at, status_code=a.status_code, error=a.error,
                                        duration_ms=a.duration_ms, response_body=a.response_body)
                  for a in delivery.attempts],
        payload=_payload(delivery.body), created_at=delivery.created_at, delivered_at=delivery.delivered_at,
    )


@router.get("/schedules/{schedule_id}/deliveries", response_model=ListResponse[DeliveryPublic],
            summary="The schedule's webhook deliveries with every attempt, newest first")
def list_deliveries(schedule_id: str, access: Viewer, store: StoreDep,
                    page: PageDep) -> ListResponse[DeliveryPublic]:
    result = store.list_deliveries(access.workspace.id, schedule_id, page)
    return ListResponse[DeliveryPublic].of_page(result, delivery_public)


@router.post("/schedules/{schedule_id}/deliveries/{delivery_id}/retry",
             response_model=DeliveryPublic, responses={409: {"model": Problem}},
             summary="Send a failed delivery again now (409 if it was delivered or is being sent)")
def retry_delivery(schedule_id: str, delivery_id: str, request: Request, access: Operator,
                   store: StoreDep, runtime: RuntimeDep) -> JSONResponse:
    def produce() -> DeliveryPublic:
        delivery = store.retry_delivery(access.workspace.id, schedule_id, delivery_id, utcnow())
        runtime.deliveries_due()
        return delivery_public(delivery)

    return idempotent(request, store, access, {}, 200, produce)


@router.post("/schedules/{schedule_id}/webhook-secret/regenerate", response_model=WebhookSecretPublic,
             summary="Replace the webhook signing secret; the old one stops working at once")
def regenerate_secret(schedule_id: str, request: Request, access: Operator, store: StoreDep,
                      runtime: RuntimeDep) -> JSONResponse:
    ops = Operations(runtime, access)
    return idempotent(request, store, access, {}, 200, lambda: WebhookSecretPublic(
        schedule_id=schedule_id, webhook_secret=ops.regenerate_secret(schedule_id)),
                      replay=without_webhook_secrets)
