"""The *what* of a callback job: a registered workflow, or a URL the fire event is POSTed to. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from kairos.domain.payloads import FieldErrors, check_http_url, check_name

FIELDS: dict[str, Any] = {
    "callback_type": Literal["workflow", "http"],
    "callback_id": str,
}


def check_callback(values: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """A registered workflow by name, or `http`: a URL the fire event is POSTed to."""
    callback_type = values.get("callback_type") or "workflow"
    callback_id = values.get("callback_id")
    if callback_type not in ("workflow", "http"):
        errors.add("callback_type", "must be 'workflow' or 'http'")
    elif callback_type == "http":
        check_http_url(callback_id, "callback_id", errors)
    else:
        check_name(callback_id, "callback_id", errors, "a registered workflow name")
    return {"callback_type": callback_type, "callback_id": callback_id}


def callback_name(payload: Mapping[str, Any]) -> str:
    return str(payload.get("callback_id") or "callback")
