"""A schedule's webhook fields: validated, the type detected, the secret generated.

Pure: `domain/definition.py` calls it on create and update and reports the errors it returns.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from kairos.delivery.signing import new_secret, secret_key
from kairos.delivery.slack import is_slack_url
from kairos.exceptions import FieldError
from kairos.outbound import is_blocked

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
    host = parts.hostname.lower()
    # Names are checked again on the resolved address at send time; what can be refused now
    # without a DNS lookup is refused now, so the mistake shows when the schedule is saved.
    try:
        private = is_blocked(str(ipaddress.ip_address(host)))
    except ValueError:
        private = host == "localhost" or host.endswith(".localhost")
    if private:
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
