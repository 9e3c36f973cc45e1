"""`GET /metrics`: Prometheus text for this process (open, or behind KAIROS_METRICS_TOKEN)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from kairos import metrics
from kairos.api.deps import RuntimeDep
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.common import Problem
from kairos.exceptions import Unauthorized

router = APIRouter(route_class=StrictJSONRoute, tags=["health"])


@router.get("/metrics", response_class=Response, summary="Prometheus metrics of this process",
            responses={200: {"description": "The Prometheus text exposition format",
                             "content": {"text/plain": {"schema": {"type": "string"}}}},
                       401: {"model": Problem, "description": "KAIROS_METRICS_TOKEN is set and was not sent"}})
def prometheus_metrics(runtime: RuntimeDep,
                       authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> Response:
    if not metrics.token_ok(runtime.settings.metrics_token, authorization):
        raise Unauthorized("this Kairos requires `Authorization: Bearer <KAIROS_METRICS_TOKEN>` for /metrics")
    return Response(metrics.exposition(runtime.store, runtime.loops), media_type=CONTENT_TYPE_LATEST)
