"""A schedule's webhook, pure: its fields (validated, the type detected, the secret made), and
the body and summary sent when a job ends.

`definition.py` calls `webhook_columns` on create and update; the store builds the body of a
delivery with `webhook_body` from the `WebhookNotice` of the job's `FinishPlan`, in the
transaction that records the end. Both are built once and stored: every retry of a delivery
sends the same bytes under the same `webhook-id`.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from kairos.domain.finish import WebhookNotice
from kairos.domain.networks import is_blocked_host
from kairos.exceptions import FieldError
from kairos.timeutil import isoformat_z

SLACK_HOSTS = ("hooks.slack.com",)
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
MIN_SECRET_BYTES = 16
MAX_SECRET_BYTES = 64
# A secret the user chose (seed 004's shared secret for `X-Webhook-Secret`): long enough not to be
# guessed, plain enough for a header value. It signs with its UTF-8 bytes as the key, which is what
# `standardwebhooks.Webhook(secret.encode())` verifies.
MIN_CHOSEN_LENGTH = 16
MAX_CHOSEN_LENGTH = 256


def new_secret() -> str:
    """A fresh `whsec_…` secret: 24 random bytes, base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a secret; ValueError (saying why) when it cannot be one.

    `whsec_…` is a Standard Webhooks secret and must be one (base64 of 16-64 bytes); any other
    text of 16-256 printable ASCII characters is a chosen secret, keyed by its bytes.
    """
    if not secret.startswith(SECRET_PREFIX):
        if not MIN_CHOSEN_LENGTH <= len(secret) <= MAX_CHOSEN_LENGTH:
            raise ValueError(f"must be {MIN_CHOSEN_LENGTH}-{MAX_CHOSEN_LENGTH} characters, "
                             f"or a {SECRET_PREFIX}… Standard Webhooks secret")
        if not all(" " <= c <= "~" for c in secret) or secret != secret.strip():
            raise ValueError("must be printable ASCII without leading or trailing spaces "
                             "(it is sent as the X-Webhook-Secret header)")
        return secret.encode()
    encoded = secret[len(SECRET_PREFIX):]
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"must be {SECRET_PREFIX!r} followed by base64") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ValueError(f"must encode {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes")
    return key


def is_slack_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in SLACK_HOSTS


WEBHOOK_FIELDS = ("webhook_url", "webhook_type", "webhook_metadata", "webhook_secret")
WEBHOOK_TYPES = ("standard", "slack")
MAX_URL_LENGTH = 2000
MAX_METADATA_BYTES = 16 * 1024


def _url_problem(url: Any, allow_private_networks: bool) -> str | None:
    if not isinstance(url, str) or not url:
        return "must be a URL"
    if len(url) > MAX_URL_LENGTH:
        return f"must be at most {MAX_URL_LENGTH} characters"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http:// or https:// URL"
    if allow_private_networks:
        return None
    # Names are checked again on the resolved address at send time; what can be refused now
    # without a DNS lookup is refused now, so the mistake shows when the schedule is saved.
    if is_blocked_host(parts.hostname):
        return ("points to a private, loopback or internal address, which webhooks may not reach "
                "(set KAIROS_ALLOW_PRIVATE_NETWORKS=1 to allow it)")
    return None


def webhook_columns(
    values: Mapping[str, Any], current: Mapping[str, Any] | None, *, allow_private_networks: bool
) -> tuple[dict[str, Any], list[FieldError]]:
    """The four webhook columns after `values` (the fields sent) are applied to `current`.

    A null `webhook_url` removes the webhook (no more deliveries); the type follows the URL
    unless it is sent; a secret is generated whenever there is a URL and no secret yet.
    """
    current = current or {}
    errors: list[FieldError] = []
    url = values["webhook_url"] if "webhook_url" in values else current.get("webhook_url")
    if url is not None:
        problem = _url_problem(url, allow_private_networks)
        if problem:
            errors.append(FieldError(("webhook_url",), problem))
    kind = values.get("webhook_type")
    if kind is not None:
        if kind not in WEBHOOK_TYPES:
            errors.append(FieldError(("webhook_type",), "must be 'standard' or 'slack'"))
    elif "webhook_url" in values or "webhook_type" in values or not current:
        kind = ("slack" if is_slack_url(url) else "standard") if isinstance(url, str) else None
    else:
        kind = current.get("webhook_type")
    if url is None:
        kind = None
    metadata = (values.get("webhook_metadata") if "webhook_metadata" in values
                else current.get("webhook_metadata"))
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        errors.append(FieldError(("webhook_metadata",), "must be an object"))
    elif len(json.dumps(metadata, separators=(",", ":")).encode()) > MAX_METADATA_BYTES:
        errors.append(FieldError(("webhook_metadata",), "must be at most 16 KiB of JSON"))
    secret = values.get("webhook_secret")
    if secret is not None:
        try:
            secret_key(secret if isinstance(secret, str) else "")
        except ValueError as exc:
            errors.append(FieldError(("webhook_secret",), f"{exc} (or leave it out: one is generated)"))
    else:
        secret = current.get("webhook_secret")
    if url is not None and secret is None:
        secret = new_secret()
    columns = {"webhook_url": url, "webhook_type": kind, "webhook_metadata": metadata,
               "webhook_secret": secret}
    return columns, errors


MAX_RESULTS = 1000
# A Slack message shows this many of the added items; the body carries all of them (up to MAX_RESULTS).
SUMMARY_ITEMS = 5


def webhook_body(
    notice: WebhookNotice, *, items: list[Any], has_changes: bool, content_hash: str | None,
    metadata: Mapping[str, Any],
) -> str:
    """The JSON text POSTed to a standard receiver (SPEC 5).

    `items`, `has_changes` and `content_hash` are the run's, once compared with the previous
    run; a failed job sends no items and no change.
    """
    completed = notice.status == "completed"
    items = items if completed else []
    body = {
        "event": notice.event,
        "job_id": notice.job_id,
        "schedule_id": notice.schedule_id,
        "workspace_id": notice.workspace_id,
        "status": str(notice.status),
        "results": items[:MAX_RESULTS],
        "results_truncated": len(items) > MAX_RESULTS,
        "item_count": len(items),
        "has_changes": has_changes if completed else False,
        "content_hash": content_hash,
        "completed_at": isoformat_z(notice.completed_at),
        "error_message": notice.error_message,
        "metadata": dict(metadata),
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)


def build_summary(*, schedule_name: str, added: list[Any], removed_count: int) -> dict[str, Any]:
    """What a Slack message adds to the body: a name and a glimpse of what changed."""
    return {
        "schedule_name": schedule_name,
        "added_count": len(added),
        "removed_count": removed_count,
        "added": added[:SUMMARY_ITEMS],
    }
