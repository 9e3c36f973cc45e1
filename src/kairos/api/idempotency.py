"""`Idempotency-Key` on POST: the same key and body within 24 h gets the first answer again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from kairos.api.deps import Access
from kairos.exceptions import Conflict, InvalidInput
from kairos.store.base import Store, StoredResponse
from kairos.timeutil import utcnow


def idempotent(
    request: Request,
    store: Store,
    access: Access,
    body: Any,
    status_code: int,
    produce: Callable[[], Any],
) -> JSONResponse:
    """Run `produce` once per Idempotency-Key; replay its stored answer for repeats."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return JSONResponse(jsonable_encoder(produce()), status_code=status_code)
    if not 1 <= len(key) <= 200:
        raise InvalidInput.field(("header", "Idempotency-Key"), "must be 1-200 characters")
    canonical = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"))
    request_hash = hashlib.sha256(
        f"{request.method} {request.url.path}\n{canonical}".encode()
    ).hexdigest()
    now = utcnow()
    stored = store.get_stored_response(access.workspace.id, key, now)
    if stored is not None:
        if stored.request_hash != request_hash:
            raise Conflict("this Idempotency-Key was used with a different request in the last 24 h")
        return JSONResponse(stored.body, status_code=stored.status_code,
                            headers={"Idempotent-Replayed": "true"})
    content = jsonable_encoder(produce())
    store.store_response(access.workspace.id, key,
                         StoredResponse(request_hash=request_hash, status_code=status_code,
                                        body=json.loads(json.dumps(content))), now)
    return JSONResponse(content, status_code=status_code)
