"""The offered load: the same interval schedules for Kairos and for APScheduler."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Load:
    """Each entry is (interval seconds, first fire as a Unix time); nothing is due before `t0`."""

    t0: float
    entries: list[tuple[int, float]]

    def offered(self, until: float) -> int:
        """How many fires fall due in [t0, until]: what a scheduler that keeps up would record."""
        return sum(math.floor((until - start) / interval) + 1
                   for interval, start in self.entries if start <= until)


def sustained(count: int, t0: float) -> Load:
    """Half every second, half every two seconds, first fires spread evenly over one interval."""
    per_interval = math.ceil(count / 2)
    entries = []
    for i in range(count):
        interval = 1 + i % 2
        entries.append((interval, t0 + interval * (i // 2) / per_interval))
    return Load(t0=t0, entries=entries)


def burst(count: int, t0: float) -> Load:
    """Everything due at the same instant (hourly schedules, so each fires once in the run)."""
    return Load(t0=t0, entries=[(3600, t0)] * count)
