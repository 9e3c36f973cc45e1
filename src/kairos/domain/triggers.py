"""Triggers say *when*: cron in a time zone, a fixed interval, or a single instant.

`next_fire(trigger, after)` is the one question the engine asks of them. It is pure: the same
trigger and instant always give the same answer, which is what lets tests freeze time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cronsim import CronSim, CronSimError

from kairos.timeutil import ensure_aware

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

# How far ahead a cron expression may first fire before we call it impossible. Cronsim already
# refuses dates that can never exist (30 February); this catches the rare combination that only
# fires in a distant leap year, which no user means.
_HORIZON = timedelta(days=366 * 9)


class TriggerError(ValueError):
    """A trigger that cannot be built; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# Names the zone database holds that are no IANA zone of a place: `localtime` is whatever the
# host is set to, `posixrules` a build artefact, `Factory` a placeholder.
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) - NOT_ZONES


@lru_cache(maxsize=1024)
def load_zone(name: str) -> ZoneInfo:
    if name not in _zone_names() and name != "UTC":
        raise TriggerError("timezone", f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TriggerError("timezone", f"unknown time zone {name!r}") from exc


def normalize_cron(expression: str) -> str:
    """Collapse whitespace and expand `@daily`-style macros into five fields."""
    text = " ".join(expression.split())
    return MACROS.get(text.lower(), text)


@dataclass(frozen=True, kw_only=True)
class CronTrigger:
    """Vixie-cron semantics in an IANA time zone, computed by cronsim (DST-correct)."""

    expression: str
    timezone: str = "UTC"
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "expression", normalize_cron(self.expression))
        object.__setattr__(self, "zone", load_zone(self.timezone))
        fields = self.expression.split(" ")
        if len(fields) not in (5, 6):
            raise TriggerError(
                "cron_expression",
                f"expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a "
                f"leading seconds field, got {len(fields)}",
            )
        try:
            probe = CronSim(self.expression, datetime(2000, 1, 1, tzinfo=UTC).astimezone(self.zone))
            first = next(probe)
        except CronSimError as exc:
            raise TriggerError("cron_expression", f"invalid cron expression: {exc}") from exc
        except StopIteration as exc:
            raise TriggerError("cron_expression", "this expression can never fire") from exc
        if first - datetime(2000, 1, 1, tzinfo=UTC) > _HORIZON:
            raise TriggerError("cron_expression", "this expression can never fire")

    @property
    def has_seconds(self) -> bool:
        return self.expression.count(" ") == 5


@dataclass(frozen=True, kw_only=True)
class IntervalTrigger:
    """Every `seconds`, at `anchor + k * seconds`: the grid never drifts with lateness."""

    seconds: int
    anchor: datetime

    def __post_init__(self) -> None:
        if self.seconds < 1:
            raise TriggerError("interval_seconds", "must be at least 1")
        object.__setattr__(self, "anchor", ensure_aware(self.anchor, "anchor"))


@dataclass(frozen=True, kw_only=True)
class OnceTrigger:
    """A single instant."""

    run_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "run_at", ensure_aware(self.run_at, "run_at"))


Trigger = CronTrigger | IntervalTrigger | OnceTrigger


def next_fire(trigger: Trigger, after: datetime) -> datetime | None:
    """The first fire time strictly after `after` (UTC), or None when there is none."""
    try:
        return _next_fire(trigger, after)
    except OverflowError:
        return None  # past the end of the calendar there is no fire


def _next_fire(trigger: Trigger, after: datetime) -> datetime | None:
    if isinstance(trigger, IntervalTrigger):
        if after < trigger.anchor:
            return trigger.anchor
        periods = int((after - trigger.anchor).total_seconds() // trigger.seconds) + 1
        candidate = trigger.anchor + timedelta(seconds=periods * trigger.seconds)
        # Float division can land one period short on microsecond boundaries.
        while candidate <= after:
            candidate += timedelta(seconds=trigger.seconds)
        return candidate
    if isinstance(trigger, OnceTrigger):
        return trigger.run_at if trigger.run_at > after else None
    # cronsim works on whole seconds and returns times after its start; start from the
    # truncated instant so that `after` itself (when it is a fire time) is excluded.
    start = after.astimezone(trigger.zone).replace(microsecond=0)
    # For fixed-time expressions cronsim counts in wall-clock time and answers the first pass
    # of a repeated (DST overlap) hour, so from inside the second pass it can answer an instant
    # before `after`: that fire already happened, so look further.
    for candidate in CronSim(trigger.expression, start):
        instant = candidate.astimezone(UTC)
        if instant > after:
            return instant
    return None


def previous_fire(trigger: Trigger, at_or_before: datetime) -> datetime | None:
    """The latest fire time at or before `at_or_before`, or None."""
    try:
        return _previous_fire(trigger, at_or_before)
    except OverflowError:
        return None  # before the start of the calendar there is no fire


def _previous_fire(trigger: Trigger, at_or_before: datetime) -> datetime | None:
    if isinstance(trigger, IntervalTrigger):
        if at_or_before < trigger.anchor:
            return None
        periods = int((at_or_before - trigger.anchor).total_seconds() // trigger.seconds)
        candidate = trigger.anchor + timedelta(seconds=periods * trigger.seconds)
        while candidate > at_or_before:
            candidate -= timedelta(seconds=trigger.seconds)
        return candidate
    if isinstance(trigger, OnceTrigger):
        return trigger.run_at if trigger.run_at <= at_or_before else None
    start = (at_or_before + timedelta(seconds=1)).astimezone(trigger.zone).replace(microsecond=0)
    try:
        latest = next(CronSim(trigger.expression, start, reverse=True)).astimezone(UTC)
    except StopIteration:
        return None
    # From inside the second pass of a DST overlap, cronsim's wall-clock reverse step jumps
    # over the first pass (a day back for a fixed-time job); walk forward to the real latest.
    while (later := next_fire(trigger, latest)) is not None and later <= at_or_before:
        latest = later
    return latest


def iter_fires(trigger: Trigger, after: datetime) -> Iterator[datetime]:
    """Fire times strictly after `after`, in order, for as long as there are any."""
    current = next_fire(trigger, after)
    while current is not None:
        yield current
        current = next_fire(trigger, current)
