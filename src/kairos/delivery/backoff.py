"""When a failed delivery is tried again: exponential backoff with jitter, bounded."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# After the first attempt: 30 s, 2 min, 10 min, 1 h, 4 h, 12 h. Seven attempts over about 17 hours
# ride out a receiver's deploy, a restart or an afternoon outage, and then stop.
DEFAULT_DELAYS = (30.0, 120.0, 600.0, 3600.0, 14400.0, 43200.0)
JITTER = 0.2


@dataclass(frozen=True)
class Backoff:
    delays: Sequence[float] = DEFAULT_DELAYS
    jitter: float = JITTER

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def next_attempt_at(self, attempts_made: int, now: datetime, rng: random.Random) -> datetime | None:
        """When to try again after `attempts_made` attempts failed; None when they are used up.

        The jitter (±20 %) spreads retries of many deliveries that failed together, so a
        receiver coming back is not hit by all of them in the same second.
        """
        if attempts_made < 1 or attempts_made > len(self.delays):
            return None
        base = self.delays[attempts_made - 1]
        spread = base * self.jitter
        return now + timedelta(seconds=max(0.0, base + rng.uniform(-spread, spread)))


def parse_delays(text: str) -> tuple[float, ...]:
    """`"30,120,600"` → (30.0, 120.0, 600.0); ValueError for anything else."""
    delays = tuple(float(part) for part in text.split(",") if part.strip())
    if not delays or any(d < 0 for d in delays):
        raise ValueError("a comma-separated list of non-negative seconds is required")
    return delays
