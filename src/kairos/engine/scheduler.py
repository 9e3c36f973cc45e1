"""The scheduler loop: claim due schedules in batches, record fires and jobs, sleep until next due.

Any number of schedulers may run against one PostgreSQL database; the store's claim keeps them
from taking the same schedule, and the fires' unique key keeps an instant from firing twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from kairos import metrics
from kairos.engine.loop import StepLoop
from kairos.store.base import FireBatch, Store
from kairos.timeutil import utcnow

log = logging.getLogger(__name__)


class Scheduler(StepLoop):
    loop_name = "scheduler"

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
        self.fired_total = 0
        super().__init__()

    def process_one(self) -> bool:
        """Fire one batch of due schedules; True when there may be more due right now."""
        batch = self.store.fire_due(self.clock(), self.batch_size)
        self.last_tick_at = time.monotonic()
        metrics.fires_recorded(batch)
        if batch.fires:
            self.fired_total += batch.fires
            if self.on_fired is not None:
                self.on_fired(batch)
        if batch.duplicates:
            log.warning("%d fire(s) had already been recorded and were not run again", batch.duplicates)
        return batch.schedules >= self.batch_size

    def _sleep_seconds(self) -> float:
        next_due = self.store.next_due_at()
        if next_due is None:
            return self.max_sleep
        return max(0.0, min(self.max_sleep, (next_due - self.clock()).total_seconds()))

    def step(self) -> float:
        """Fire every batch that is due now, then sleep until the next due time (at most max_sleep)."""
        while self.process_one() and not self.stopping:
            pass
        return self._sleep_seconds()
