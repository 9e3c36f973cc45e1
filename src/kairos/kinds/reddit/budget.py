"""Waiting for Reddit's budget: the shared row decides, the job sleeps and says for how long."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import httpx

from kairos.kinds.context import TaskContext
from kairos.store.reddit import RedditStore
from kairos.timeutil import utcnow

# Longest single sleep between looks at the budget: a cancel or a freed budget is seen this soon.
SLICE_SECONDS = 1.0
LOCK_LEASE_SECONDS = 60.0
# One morechildren call at a time per credential in this process; the store's lease covers others.
_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def _local_lock(key: str) -> threading.Lock:
    with _local_guard:
        return _local_locks.setdefault(key, threading.Lock())


class BudgetGate:
    """Every request of a job passes here first; throttling is a wait, never a failure."""

    def __init__(self, store: RedditStore, key: str, ctx: TaskContext,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store, self.key, self.ctx, self.clock = store, key, ctx, clock
        self.waited_seconds = 0.0

    def wait(self, seconds: float) -> None:
        """Sleep `seconds`, counting down `waiting_seconds` in the job's progress."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if seconds >= SLICE_SECONDS:
                self.ctx.progress(waiting_seconds=math.ceil(left),
                                  message=f"waiting {math.ceil(left)} s for Reddit's rate budget")
            self.ctx.sleep(min(SLICE_SECONDS, left))
        self.waited_seconds += seconds
        if seconds >= SLICE_SECONDS:
            self.ctx.progress(waiting_seconds=0)

    def acquire(self) -> None:
        while (wait := self.store.reddit_take_request(self.key, self.clock())) > 0:
            self.wait(wait)

    def observe(self, headers: httpx.Headers) -> None:
        remaining, reset = headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset")
        if remaining is None or reset is None:
            return
        try:
            self.store.reddit_observe(self.key, remaining=float(remaining), reset_seconds=float(reset),
                                      now=self.clock())
        except ValueError:
            return

    def throttled(self, wait_seconds: float) -> None:
        self.store.reddit_throttled(self.key, wait_seconds=wait_seconds, now=self.clock())
        self.wait(wait_seconds)

    @contextmanager
    def one_at_a_time(self, owner: str) -> Iterator[None]:
        """Hold the credential's single-call lease (morechildren answers 429 to overlapping calls)."""
        lock = _local_lock(self.key)
        while not lock.acquire(timeout=0.2):  # another job of this process holds it: stay cancellable
            self.ctx.check_cancelled()
        try:
            while not self.store.reddit_lock(self.key, owner, self.clock(), LOCK_LEASE_SECONDS):
                self.ctx.sleep(0.05)
            try:
                yield
            finally:
                self.store.reddit_unlock(self.key, owner)
        finally:
            lock.release()
