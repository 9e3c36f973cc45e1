"""Reddit's request budget, as the X-Ratelimit-* headers tell it: pure maths, no I/O.

Reddit grants each app (per user) a number of requests per window and says, on every answer,
how many are left (`Remaining`) and in how many seconds the window resets (`Reset`). Like
prawcore, a client may go at full speed while the budget left covers at least one request per
second still to wait, and otherwise spreads what is left evenly over what remains of the window,
so a long job never meets the wall and a short one is not slowed for nothing.

The state is one row per credential shared by every job and worker process (store), changed by a
guarded update: two workers can never both spend the last request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, kw_only=True)
class Budget:
    remaining: float | None  # None: not known yet (no answer seen in this window)
    reset_at: datetime | None
    next_at: datetime  # no request of this credential before this instant


@dataclass(frozen=True, kw_only=True)
class Decision:
    wait_seconds: float  # > 0: wait this long, then ask again
    after: Budget | None  # the budget once this request is spent (when wait_seconds == 0)


def take(budget: Budget, now: datetime) -> Decision:
    """Whether a request may go now, and the budget it leaves behind."""
    window_open = budget.reset_at is not None and budget.reset_at > now
    if not window_open:
        # A fresh window (or none seen yet): go, and learn the figures from the answer.
        return Decision(wait_seconds=0.0, after=Budget(remaining=None, reset_at=None, next_at=now))
    assert budget.reset_at is not None
    if budget.next_at > now:
        return Decision(wait_seconds=(budget.next_at - now).total_seconds(), after=None)
    if budget.remaining is not None and budget.remaining < 1:
        return Decision(wait_seconds=(budget.reset_at - now).total_seconds(), after=None)
    remaining = None if budget.remaining is None else budget.remaining - 1
    left = (budget.reset_at - now).total_seconds()
    spacing = 0.0
    if remaining is not None and remaining < left:
        spacing = left / max(remaining, 1.0)
    return Decision(wait_seconds=0.0, after=Budget(remaining=remaining, reset_at=budget.reset_at,
                                                   next_at=now + timedelta(seconds=spacing)))


def observe(budget: Budget, *, remaining: float, reset_seconds: float, now: datetime) -> Budget:
    """The budget after an answer's headers. Within the same window the lower figure wins:
    answers of requests sent at once by several workers arrive in any order."""
    reset_at = now + timedelta(seconds=reset_seconds)
    same_window = (budget.reset_at is not None and budget.reset_at > now
                   and abs((budget.reset_at - reset_at).total_seconds()) < 2.0)
    if same_window and budget.remaining is not None:
        remaining = min(remaining, budget.remaining)
        reset_at = budget.reset_at or reset_at
    return Budget(remaining=remaining, reset_at=reset_at, next_at=budget.next_at)


def throttled(budget: Budget, *, wait_seconds: float, now: datetime) -> Budget:
    """After a 429: nobody on this credential asks again before the wait is over."""
    until = now + timedelta(seconds=wait_seconds)
    return Budget(remaining=0.0, reset_at=until, next_at=until)
