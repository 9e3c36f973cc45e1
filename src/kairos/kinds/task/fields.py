"""The *what* of a task job: a registered task's name, its arguments, where it runs. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from kairos.domain.payloads import MAX_ARGS_BYTES, FieldErrors, check_json_object, check_name, json_size

FIELDS: dict[str, Any] = {
    "task": str,
    "args": list[Any],
    "kwargs": dict[str, Any],
    "executor": Literal["local", "celery"],
}
EXECUTORS = ("local", "celery")


def check_task(values: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """A registered task's name, its `args` and `kwargs` (64 KiB of JSON each), the executor."""
    name = values.get("task")
    check_name(name, "task", errors, "a registered task name")
    args = values.get("args") if values.get("args") is not None else []
    if not isinstance(args, list):
        errors.add("args", "must be a list")
    elif json_size(args) > MAX_ARGS_BYTES:
        errors.add("args", "must be at most 64 KiB of JSON")
    kwargs = check_json_object(values, "kwargs", errors)
    executor = values.get("executor") or "local"
    if executor not in EXECUTORS:
        errors.add("executor", "must be 'local' or 'celery'")
    payload = {"task": name, "args": args, "kwargs": kwargs, "executor": executor}
    if executor == "celery":
        # The Celery link that runs it (SPEC 8); the API fills in the workspace's only one.
        link_id = values.get("link_id")
        if link_id is not None and (not isinstance(link_id, str) or not 1 <= len(link_id) <= 64):
            errors.add("link_id", "must be the id of a celery-beat scheduler link")
        payload["link_id"] = link_id
    return payload


def task_name(payload: Mapping[str, Any]) -> str:
    return str(payload.get("task") or "task")
