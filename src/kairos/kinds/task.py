"""Kind `task`: call a registered Python function with the job's `args` and `kwargs`."""

from __future__ import annotations

from typing import Any

from kairos.kinds.context import TaskContext
from kairos.kinds.invoke import invoke
from kairos.kinds.registry import Registry


def run_task(registry: Registry, payload: dict[str, Any], ctx: TaskContext) -> Any:
    registered = registry.get(str(payload.get("task")))
    return invoke(registered, ctx, list(payload.get("args") or []), dict(payload.get("kwargs") or {}))
