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
    if executor == "celery":
        errors.add("executor", "the celery executor needs a linked Celery app, which this "
                               "version of Kairos does not offer yet; use 'local'")
    elif executor not in EXECUTORS:
        errors.add("executor", "must be 'local' or 'celery'")
    return {"task": name, "args": args, "kwargs": kwargs, "executor": executor}


def task_name(payload: Mapping[str, Any]) -> str:
    return str(payload.get("task") or "task")
