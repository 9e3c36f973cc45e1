"""What the records in an APScheduler job-state pickle may be, and the values they become.

`pickles.read_pickle` reads a pickle into records of (name, arguments, attributes) without
running anything; this module is the allowlist those names are checked against, and turns the
records it knows into values: datetimes decoded field by field through their constructors,
zones looked up by name, and `Obj` (a class's name and attributes) for APScheduler's objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_T = TypeVar("_T")


class RefusedPickle(ValueError):
    """The pickle names something outside the allowlist, is too large, or is not a pickle at all."""


@dataclass(frozen=True)
class Name:
    """A global the pickle names: never imported, only compared with the allowlist."""

    module: str
    qualname: str

    def __str__(self) -> str:
        return f"{self.module}.{self.qualname}"


@dataclass(frozen=True)
class Obj:
    """An APScheduler object the pickle describes: its class's name and its attributes."""

    qualname: str
    state: Mapping[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


_TRIGGERS = "apscheduler.triggers"
APSCHEDULER_CLASSES = frozenset(
    f"{module}.{name}"
    for module, names in {
        f"{_TRIGGERS}.cron": ("CronTrigger",),
        f"{_TRIGGERS}.interval": ("IntervalTrigger",),
        f"{_TRIGGERS}.date": ("DateTrigger",),
        f"{_TRIGGERS}.combining": ("AndTrigger", "OrTrigger"),
        f"{_TRIGGERS}.calendarinterval": ("CalendarIntervalTrigger",),
        f"{_TRIGGERS}.cron.fields": ("BaseField", "WeekField", "DayOfMonthField", "DayOfWeekField", "MonthField"),
        f"{_TRIGGERS}.cron.expressions": ("AllExpression", "RangeExpression", "MonthRangeExpression",
                                          "WeekdayRangeExpression", "WeekdayPositionExpression",
                                          "LastDayOfMonthExpression"),
    }.items()
    for name in names
)


def _state_dict(name: str, state: Any) -> dict[str, Any]:
    # (dict, slots) pairs are what objects with __slots__ pickle as.
    parts = state if isinstance(state, tuple) and len(state) == 2 else (state,)
    merged: dict[str, Any] = {}
    for part in parts:
        if part is None:
            continue
        if not isinstance(part, dict) or not all(isinstance(k, str) for k in part):
            raise RefusedPickle(f"the state of a {name} in the pickle is not a dict of attributes")
        merged.update(part)
    return merged


def _zone(key: Any, *_: Any) -> dt.tzinfo:
    if not isinstance(key, str) or not 0 < len(key) <= 255:
        raise RefusedPickle("a time zone in the pickle has no name")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RefusedPickle(f"unknown time zone {key!r} in the pickle") from None


def zone_of(value: Any) -> dt.tzinfo | None:
    """A time zone as a pickle holds it (already a tzinfo) or as JSON does (its IANA name)."""
    if value is None or isinstance(value, dt.tzinfo):
        return value
    return _zone(value)


def _state_bytes(value: Any, length: int, what: str) -> bytes:
    # Protocols 0-2 write a datetime's state as a latin-1 string, 3 and later as bytes.
    state = value.encode("latin1") if isinstance(value, str) and max(value, default="\0") <= "\xff" else value
    if not isinstance(state, bytes) or len(state) != length:
        raise RefusedPickle(f"a {what} in the pickle has an unexpected shape")
    return state


def _tz(args: tuple[Any, ...], what: str) -> dt.tzinfo | None:
    if len(args) > 1:
        raise RefusedPickle(f"a {what} in the pickle has an unexpected shape")
    if args and not isinstance(args[0], dt.tzinfo):
        raise RefusedPickle(f"a {what} in the pickle has a time zone that is not one")
    return args[0] if args else None


def _checked(what: str, make: Callable[[], _T]) -> _T:
    try:
        return make()
    except (ValueError, OverflowError, TypeError) as exc:
        raise RefusedPickle(f"a {what} in the pickle is not valid: {exc}") from None


# The datetime types' pickled state is decoded here field by field, so that each value goes
# through the constructor's own checks (the state form of the constructors does not check).
def _datetime(state: Any = None, *tz: Any) -> dt.datetime:
    b = _state_bytes(state, 10, "datetime")
    return _checked("datetime", lambda: dt.datetime(
        b[0] * 256 + b[1], b[2] & 0x7F, b[3], b[4], b[5], b[6], (b[7] << 16) | (b[8] << 8) | b[9],
        tzinfo=_tz(tz, "datetime"), fold=b[2] >> 7))


def _date(state: Any = None) -> dt.date:
    b = _state_bytes(state, 4, "date")
    return _checked("date", lambda: dt.date(b[0] * 256 + b[1], b[2], b[3]))


def _time(state: Any = None, *tz: Any) -> dt.time:
    b = _state_bytes(state, 6, "time")
    return _checked("time", lambda: dt.time(
        b[0] & 0x7F, b[1], b[2], (b[3] << 16) | (b[4] << 8) | b[5], tzinfo=_tz(tz, "time"), fold=b[0] >> 7))


def _timedelta(*args: Any) -> dt.timedelta:
    if len(args) > 3 or not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        raise RefusedPickle("a timedelta in the pickle has an unexpected shape")
    return _checked("timedelta", lambda: dt.timedelta(*args))


def _timezone(offset: Any = None, *name: Any) -> dt.timezone:
    if not isinstance(offset, dt.timedelta) or len(name) > 1 or (name and not isinstance(name[0], str)):
        raise RefusedPickle("a fixed-offset time zone in the pickle has an unexpected shape")
    return _checked("fixed-offset time zone", lambda: dt.timezone(offset, *name))


def _latin1(text: Any = None, encoding: Any = None) -> bytes:
    # How protocols 0-2 write bytes: `_codecs.encode(text, "latin1")`.
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise RefusedPickle("bytes in the pickle have an unexpected shape")
    return _checked("bytes value", lambda: text.encode("latin1"))


def _utc(*_: Any) -> dt.tzinfo:
    return dt.UTC


CONVERTERS: dict[str, Callable[..., Any]] = {
    "datetime.datetime": _datetime,
    "datetime.date": _date,
    "datetime.time": _time,
    "datetime.timedelta": _timedelta,
    "datetime.timezone": _timezone,
    "_codecs.encode": _latin1,
    "zoneinfo.ZoneInfo._unpickle": _zone,
    "zoneinfo.ZoneInfo": _zone,
    "backports.zoneinfo.ZoneInfo._unpickle": _zone,
    "backports.zoneinfo.ZoneInfo": _zone,
    "pytz._UTC": _utc,
    "pytz._p": _zone,
    "pytz.timezone": _zone,
    "tzlocal.unix._get_localzone": _utc,
}


def value_of(name: str, args: tuple[Any, ...], state: Any, built: bool) -> Any:
    """The value of a record the pickle made (already converted arguments and attributes)."""
    if name in APSCHEDULER_CLASSES:
        return Obj(name, _state_dict(name, state))
    if name in CONVERTERS and not built:
        return CONVERTERS[name](*args)
    raise RefusedPickle(f"the pickle makes a {name} in a way Kairos does not read")
