"""Running a callback job: the registered workflow is called, or the URL is POSTed to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from kairos import outbound
from kairos.domain.jobs import Job
from kairos.kinds.context import TaskContext
from kairos.kinds.invoke import invoke
from kairos.kinds.registry import Registry
from kairos.kinds.spec import KindServices, Produced
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


class CallbackRunner:
    def __init__(self, workflows: Registry, http_client: Callable[[], httpx.Client]) -> None:
        self.workflows = workflows
        self.http_client = http_client

    @classmethod
    def build(cls, services: KindServices) -> CallbackRunner:
        return cls(services.workflows, services.http_client)

    def run(self, job: Job, ctx: TaskContext) -> Produced:
        event = callback_event(job.payload, ctx)
        if job.payload.get("callback_type") == "http":
            url = str(job.payload["callback_id"])
            with self.http_client() as client:
                response = outbound.request(client, "POST", url, json=event)
            if not 200 <= response.status_code < 300:
                raise RuntimeError(f"callback POST {url} answered {response.status_code}")
            return Produced(result={"status_code": response.status_code,
                                    "body": response.text[:MAX_BODY]})
        registered = self.workflows.get(str(job.payload.get("callback_id")))
        return Produced(result=invoke(registered, ctx, [event], {}))
