"""Tasks that ship with Kairos, registered when the task kind is loaded (`kinds/task/spec.py`).

- `kairos.sleep`: waits, reporting progress every second; handy for trying schedules out.
- `kairos.echo`: returns its arguments.
- `kairos.fail`: always raises; for trying retries and failure webhooks.
- `kairos.http_request`: one HTTP request through the guarded client.
"""

from __future__ import annotations

import math
from typing import Any

from kairos import outbound
from kairos.kinds.context import TaskContext
from kairos.kinds.registry import task

MAX_BODY = 64 * 1024


@task("kairos.sleep")
def sleep(ctx: TaskContext, seconds: float = 5, message: str = "sleeping") -> dict[str, Any]:
    """Sleep for `seconds`, reporting progress each second; stops at once when cancelled."""
    seconds = float(seconds)
    steps = max(1, math.ceil(seconds))
    ctx.progress(0, steps, message)
    for step in range(1, steps + 1):
        ctx.sleep(seconds / steps)
        ctx.progress(step, steps, message)
    return {"slept_seconds": seconds}


@task("kairos.echo")
def echo(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """Return the arguments it was called with."""
    return {"args": list(args), "kwargs": kwargs}


@task("kairos.fail")
def fail(message: str = "failed on purpose") -> None:
    """Raise an error with `message`."""
    raise RuntimeError(message)


@task("kairos.http_request")
def http_request(
    ctx: TaskContext,
    url: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    json: Any = None,
    body: str | None = None,
    expect_status: list[int] | None = None,
) -> dict[str, Any]:
    """Send one HTTP request; fails unless the status is 2xx (or one of `expect_status`)."""
    client = ctx.http_client()
    with client:
        # Redirects are followed hop by hop, each hop through the private-network guard.
        response = outbound.request(client, method.upper(), url, headers=headers, json=json,
                                    content=body.encode() if body is not None else None)
    allowed = expect_status or list(range(200, 300))
    if response.status_code not in allowed:
        raise RuntimeError(f"{method.upper()} {url} answered {response.status_code}")
    text = response.text
    return {
        "status_code": response.status_code,
        "headers": {k: v for k, v in response.headers.items() if k.lower() in
                    ("content-type", "content-length", "etag", "last-modified", "location")},
        "body": text[:MAX_BODY],
        "truncated": len(text) > MAX_BODY,
    }
