"""What a schedule or one-off job runs: each kind's fields, checked and collected.

Pure, like the rest of the domain: `definition.py` calls these for both schedules and jobs, and
every problem is added to a `FieldErrors` naming its field, so one answer lists them all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from kairos.domain.schedules import Kind
from kairos.exceptions import FieldError, InvalidInput

MAX_ARGS_BYTES = 64 * 1024
TASK_FIELDS = ("task", "args", "kwargs", "executor")
CALLBACK_FIELDS = ("callback_type", "callback_id")
SCRAPE_FIELDS = ("strategy_id", "url", "urls", "parameters")
REDDIT_FIELDS = ("target", "target_type", "mode", "limit", "download_media", "scrape_comments",
                 "plugins", "config")
KIND_FIELDS = {
    Kind.TASK: TASK_FIELDS,
    Kind.CALLBACK: CALLBACK_FIELDS,
    Kind.SCRAPE: SCRAPE_FIELDS,
    Kind.REDDIT: REDDIT_FIELDS,
}
AVAILABLE_KINDS = (Kind.TASK, Kind.CALLBACK, Kind.SCRAPE)
MAX_SCRAPE_URLS = 100


class FieldErrors:
    """Problems found so far, each naming its field; raised together as one `InvalidInput`."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, loc: str, msg: str) -> None:
        self.items.append(FieldError((loc,), msg))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidInput(errors=self.items)


def infer_kind(values: Mapping[str, Any]) -> Kind | None:
    if values.get("kind") is not None:
        try:
            return Kind(values["kind"])
        except ValueError:
            raise InvalidInput.field("kind", "must be one of task, callback, scrape, reddit") from None
    present = [kind for kind, names in KIND_FIELDS.items()
               if any(values.get(n) is not None for n in names if n not in ("config", "parameters"))]
    if len(present) > 1:
        raise InvalidInput.field("kind", "fields of several kinds were sent: "
                                 + ", ".join(sorted(map(str, present))))
    return present[0] if present else None


def _json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def check_http_url(value: Any, field: str, errors: FieldErrors) -> None:
    if not isinstance(value, str) or not value:
        errors.add(field, "must be a URL")
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors.add(field, "must be an absolute http:// or https:// URL")


def kind_payload(kind: Kind, values: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """Validate and collect the *what* of a schedule or one-off job."""
    if kind not in AVAILABLE_KINDS:
        errors.add("kind", f"kind {kind.value!r} is not available in this version of Kairos "
                           "(available: task, callback, scrape)")
        return {}
    if kind == Kind.SCRAPE:
        return scrape_payload(values, errors)
    if kind == Kind.TASK:
        return task_payload(values, errors)
    return callback_payload(values, errors)


def task_payload(values: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """A registered task's name, its `args` and `kwargs` (64 KiB of JSON each), the executor."""
    name = values.get("task")
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        errors.add("task", "a registered task name (1-200 characters) is required")
    args = values.get("args") if values.get("args") is not None else []
    kwargs = values.get("kwargs") if values.get("kwargs") is not None else {}
    if not isinstance(args, list):
        errors.add("args", "must be a list")
    elif _json_size(args) > MAX_ARGS_BYTES:
        errors.add("args", "must be at most 64 KiB of JSON")
    if not isinstance(kwargs, dict):
        errors.add("kwargs", "must be an object")
    elif _json_size(kwargs) > MAX_ARGS_BYTES:
        errors.add("kwargs", "must be at most 64 KiB of JSON")
    executor = values.get("executor") or "local"
    if executor == "celery":
        errors.add("executor", "the celery executor needs a linked Celery app, which this "
                               "version of Kairos does not offer yet; use 'local'")
    elif executor != "local":
        errors.add("executor", "must be 'local' or 'celery'")
    return {"task": name, "args": args, "kwargs": kwargs, "executor": executor}


def callback_payload(values: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """A registered workflow by name, or `http`: a URL the fire event is POSTed to."""
    callback_type = values.get("callback_type") or "workflow"
    callback_id = values.get("callback_id")
    if callback_type not in ("workflow", "http"):
        errors.add("callback_type", "must be 'workflow' or 'http'")
    elif callback_type == "http":
        check_http_url(callback_id, "callback_id", errors)
    elif not isinstance(callback_id, str) or not 1 <= len(callback_id) <= 200:
        errors.add("callback_id", "a registered workflow name (1-200 characters) is required")
    return {"callback_type": callback_type, "callback_id": callback_id}


def scrape_payload(values: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """The *what* of a scrape: a strategy, exactly one of `url`/`urls`, and `parameters`."""
    strategy_id = values.get("strategy_id")
    if not isinstance(strategy_id, str) or not 1 <= len(strategy_id) <= 200:
        errors.add("strategy_id", "the id of a strategy of this workspace is required")
    url, urls = values.get("url"), values.get("urls")
    if url is not None and urls is not None:
        errors.add("urls", "send either url or urls, not both")
    elif url is None and urls is None:
        errors.add("url", "a `url` (or a list of `urls`) to scrape is required")
    elif url is not None:
        check_http_url(url, "url", errors)
    elif not isinstance(urls, list) or not 1 <= len(urls) <= MAX_SCRAPE_URLS:
        errors.add("urls", f"must be a list of 1-{MAX_SCRAPE_URLS} URLs")
    else:
        for index, item in enumerate(urls):
            check_http_url(item, f"urls.{index}", errors)
    parameters = values.get("parameters") if values.get("parameters") is not None else {}
    if not isinstance(parameters, dict):
        errors.add("parameters", "must be an object")
    elif _json_size(parameters) > MAX_ARGS_BYTES:
        errors.add("parameters", "must be at most 64 KiB of JSON")
    return {"strategy_id": strategy_id, "url": url, "urls": urls, "parameters": parameters}
