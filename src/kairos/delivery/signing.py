"""Standard Webhooks signatures (https://www.standardwebhooks.com).

The signature is `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>` where the key is the
base64-decoded part of the secret after `whsec_`, or the bytes of a secret the user chose
(domain/webhooks.py). The tests verify what this module produces with the `standardwebhooks`
package itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from kairos.domain.webhooks import secret_key


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
