"""Kind `callback`: call a registered workflow, or POST to a URL (`callback_type: http`)."""

from __future__ import annotations

from typing import Any

from kairos import outbound
from kairos.kinds.context import TaskContext
from kairos.kinds.invoke import invoke
from kairos.kinds.registry import Registry
from kairos.timeutil import isoformat_z, utcnow

MAX_BODY = 64 * 1024


def callback_event(payload: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
    """What a callback is told: which schedule fired, for which instant, as which job."""
    return {
        "event": "schedule.fired",
        "workspace_id": ctx.workspace_id,
        "schedule_id": ctx.schedule_id,
        "job_id": ctx.job_id,
        "callback_id": payload.get("callback_id"),
        "scheduled_for": isoformat_z(ctx.scheduled_for),
        "fired_at": isoformat_z(utcnow()),
        "attempt": ctx.attempt,
        "metadata": payload.get("metadata") or {},
    }


def run_callback(registry: Registry, payload: dict[str, Any], ctx: TaskContext) -> Any:
    event = callback_event(payload, ctx)
    if payload.get("callback_type") == "http":
        url = str(payload["callback_id"])
        with ctx.http_client() as client:
            response = outbound.request(client, "POST", url, json=event)
        if not 200 <= response.status_code < 300:
            raise RuntimeError(f"callback POST {url} answered {response.status_code}")
        return {"status_code": response.status_code, "body": response.text[:MAX_BODY]}
    registered = registry.get(str(payload.get("callback_id")))
    return invoke(registered, ctx, [event], {})
