"""The scheduler loop: claim due schedules in batches, record fires and jobs, sleep until next due.

Any number of schedulers may run against one PostgreSQL database; the store's claim keeps them
from taking the same schedule, and the fires' unique key keeps an instant from firing twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from kairos.store.base import FireBatch, Store
from kairos.timeutil import utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 10.0


class Scheduler:
    def __init__(
        self,
        store: Store,
        *,
        batch_size: int = 1000,
        max_sleep: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
        on_fired: Callable[[FireBatch], None] | None = None,
    ) -> None:
        self.store = store
        self.batch_size = batch_size
        self.max_sleep = max_sleep
        self.clock = clock
        self.on_fired = on_fired
        self.last_tick_at: float | None = None
        self.fired_total = 0
        self._wake = threading.Event()
        self._stop = threading.Event()

    def process_one(self) -> bool:
        """Fire one batch of due schedules; True when there may be more due right now."""
        batch = self.store.fire_due(self.clock(), self.batch_size)
        self.last_tick_at = time.monotonic()
        if batch.fires:
            self.fired_total += batch.fires
            if self.on_fired is not None:
                self.on_fired(batch)
        if batch.duplicates:
            log.warning("%d fire(s) had already been recorded and were not run again", batch.duplicates)
        return batch.schedules >= self.batch_size

    def wake(self) -> None:
        """Look again now: a schedule was created or changed and may be due sooner."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _sleep_seconds(self) -> float:
        next_due = self.store.next_due_at()
        if next_due is None:
            return self.max_sleep
        return max(0.0, min(self.max_sleep, (next_due - self.clock()).total_seconds()))

    def run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                while self.process_one() and not self._stop.is_set():
                    pass
                delay = self._sleep_seconds()
                backoff = 0.5
            except Exception:
                # The database is away or a row is broken: log it and try again later,
                # never in a tight loop.
                log.exception("scheduler step failed; retrying in %.1fs", backoff)
                delay, backoff = backoff, min(backoff * 2, MAX_BACKOFF_SECONDS)
            self.last_tick_at = time.monotonic()
            if delay > 0:
                self._wake.wait(delay)
            self._wake.clear()
