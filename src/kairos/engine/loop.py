"""The shape every background loop shares: small steps, a wake-up, a stop flag, a drain on exit."""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 10.0


class StepLoop:
    """Runs `step()` until stopped; `step()` returns how long to wait before the next one.

    A step that raises is logged and retried after a growing pause (0.5 s doubling to 10 s), so a
    lost database or a broken row never turns into a tight loop. `wake()` cuts a wait short;
    `stop()` ends the loop, which then calls `drain()`.
    """

    loop_name = "loop"

    def __init__(self) -> None:
        self.last_tick_at: float | None = None  # monotonic time of the last step; /readyz reads it
        self._wake = threading.Event()
        self._stop = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def step(self) -> float:
        raise NotImplementedError

    def drain(self) -> None:
        """Called once when the loop ends."""

    def run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                delay = self.step()
                backoff = 0.5
            except Exception:
                log.exception("%s step failed; retrying in %.1fs", self.loop_name, backoff)
                delay, backoff = backoff, min(backoff * 2, MAX_BACKOFF_SECONDS)
            self.last_tick_at = time.monotonic()
            if delay > 0:
                self._wake.wait(delay)
            self._wake.clear()
        self.drain()
