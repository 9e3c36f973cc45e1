"""Webhook secrets and Standard Webhooks signatures (https://www.standardwebhooks.com).

The signature is `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>` where the key is the
base64-decoded part of the secret after `whsec_`. A secret the user chose (seed 004 calls it a
shared secret for `X-Webhook-Secret`, of any form) signs with its UTF-8 bytes as the key, which is
what `standardwebhooks.Webhook(secret.encode())` verifies. The tests verify what this module
produces with the `standardwebhooks` package itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import datetime

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
MIN_SECRET_BYTES = 16
MAX_SECRET_BYTES = 64
# A chosen secret: long enough not to be guessed, short and plain enough for a header value.
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


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one attempt."""
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, now: datetime, body: bytes) -> dict[str, str]:
    """The headers of one attempt: the id stays, the timestamp and signature are per attempt.

    `X-Webhook-Secret` carries the secret itself, as the seed documents show, for receivers that
    only compare a shared secret; receivers that can should verify the signature instead.
    """
    timestamp = int(now.timestamp())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "X-Webhook-Secret": secret,
    }
