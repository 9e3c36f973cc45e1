"""Calling a registered function, sync or async, so that cancellation reaches it."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from kairos.domain.finish import CancelReason
from kairos.exceptions import JobCancelled
from kairos.kinds.context import TaskContext
from kairos.kinds.registry import Registered


def invoke(registered: Registered, ctx: TaskContext, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Call the function in this (worker) thread.

    Sync functions see cancellation through `ctx` (`ctx.sleep`, `ctx.check_cancelled`).
    Async functions are cancelled outright: the asyncio task is cancelled at its next await.
    """
    if registered.wants_context:
        kwargs = {**kwargs, "ctx": ctx}
    if not registered.is_async:
        return registered.func(*args, **kwargs)
    return asyncio.run(_run_async(registered, ctx, args, kwargs))


async def _run_async(
    registered: Registered, ctx: TaskContext, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    loop = asyncio.get_running_loop()
    work = asyncio.ensure_future(registered.func(*args, **kwargs))
    done = threading.Event()

    def watch() -> None:
        # A thread of its own waits for the cancel signal so the event loop never polls.
        while not done.is_set():
            if ctx._cancel.wait(0.2):
                loop.call_soon_threadsafe(work.cancel)
                return

    watcher = threading.Thread(target=watch, daemon=True, name=f"cancel-watch-{ctx.job_id}")
    watcher.start()
    try:
        return await work
    except asyncio.CancelledError:
        raise JobCancelled(f"cancelled ({ctx.cancel_reason or CancelReason.REQUESTED})") from None
    finally:
        done.set()
