"""`Idempotency-Key` on POST: the same key and body within 24 h gets the first answer again.

The key is claimed before the request runs: an insert that the (scope, key) primary key guards,
so of two concurrent retries exactly one runs; the other is told it is still running (409 with
`Retry-After`) and, once it has finished, gets its answer. A request that fails gives the key
back, so a corrected retry with the same key may run; only successful answers are replayed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from kairos.api.deps import Access, Caller
from kairos.exceptions import Conflict, InvalidInput, RequestInProgress
from kairos.store.base import Store, StoredResponse
from kairos.timeutil import utcnow

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
REPLAYED = "Idempotent-Replayed"
# Documented on every POST (see kairos.api.openapi).
PARAMETER: dict[str, Any] = {
    "name": HEADER, "in": "header", "required": False,
    "description": "Any 1-200 characters. The same key and body within 24 h answers with the "
                   "first result (header `Idempotent-Replayed: true`) instead of running again.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}


WEBHOOK_SECRET_SHOWN_ONCE = (
    "the webhook secret was shown once, in the first answer to this request, and is not kept for "
    "replays (regenerate it at /schedules/{id}/webhook-secret/regenerate if it was lost)")


def without_webhook_secrets(first: Any) -> Any:
    """A first answer as its replays show it: every `webhook_secret` blanked, with a note saying why.

    Serves a schedule, a batch of them (`items`) and a regenerated secret alike; answers that
    carried no secret stay as they were.
    """
    if isinstance(first, dict):
        if isinstance(first.get("items"), list):
            return {**first, "items": [without_webhook_secrets(item) for item in first["items"]]}
        if first.get("webhook_secret") is not None:
            return {**first, "webhook_secret": None, "secret_note": WEBHOOK_SECRET_SHOWN_ONCE}
    return first


def _request_hash(request: Request, caller: Caller, body: Any) -> str:
    canonical = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"))
    text = f"{request.method} {request.url.path}\n{caller.type}:{caller.id}\n{canonical}"
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(
    request: Request,
    store: Store,
    who: Access | Caller,
    body: Any,
    status_code: int,
    produce: Callable[[], Any],
    *,
    replay: Callable[[Any], Any] | None = None,
) -> JSONResponse:
    """Run `produce` once per Idempotency-Key; replay its stored answer for repeats.

    `body` is what identifies the request besides its path and caller. `replay` turns the first
    answer into what a repeat gets (a minted API key's secret is never stored, so never replayed).
    """
    key = request.headers.get(HEADER)
    if key is None:
        return JSONResponse(jsonable_encoder(produce()), status_code=status_code)
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidInput.field(("header", HEADER), f"must be 1-{MAX_KEY_LENGTH} characters")
    caller = who.caller if isinstance(who, Access) else who
    scope = who.workspace.id if isinstance(who, Access) else f"{caller.type}:{caller.id}"
    request_hash = _request_hash(request, caller, body)
    now = utcnow()
    found = store.claim_request(scope, key, request_hash, now)
    if found is not None:
        if found.request_hash != request_hash:
            raise Conflict(f"this {HEADER} was used with a different request in the last 24 h")
        if found.running:
            raise RequestInProgress()
        return JSONResponse(found.body, status_code=found.status_code, headers={REPLAYED: "true"})
    try:
        content = jsonable_encoder(produce())
    except BaseException:
        store.release_request(scope, key)
        raise
    kept = json.loads(json.dumps(replay(content) if replay else content))
    store.store_response(scope, key, StoredResponse(request_hash=request_hash, status_code=status_code,
                                                    body=kept), now)
    return JSONResponse(content, status_code=status_code)
