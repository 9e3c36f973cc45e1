"""A restricted reader for APScheduler 3.x `job_state` pickles: data out, never code run.

Kairos never unpickles what a linked store holds with the real classes. This reader walks the
pickle with `pickle.Unpickler`, but `find_class` only ever hands out Kairos's own inert stand-ins
for an allowlist of names (APScheduler's trigger, field and expression classes, datetime values
and time zones); any other name (`os.system`, `subprocess.Popen`, a user's class) is refused
before anything is called, with a message naming it. A stand-in records the arguments and
state it is given and does nothing else; dates, durations and zones become plain values.
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class RefusedPickle(ValueError):
    """The pickle names something outside the allowlist, or is not a pickle at all."""


class Inert:
    """A stand-in for an allowlisted class: it keeps what the pickle gave it, and nothing runs."""

    qualname = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> Inert:
        obj = super().__new__(cls)
        obj.args = args
        obj.state = {}
        return obj

    args: tuple[Any, ...]
    state: dict[str, Any]

    def __setstate__(self, state: Any) -> None:
        # (dict, slots) pairs are what objects with __slots__ pickle as.
        if isinstance(state, tuple) and len(state) == 2:
            merged: dict[str, Any] = {}
            for part in state:
                if isinstance(part, dict):
                    merged.update(part)
            state = merged
        self.state = state if isinstance(state, dict) else {"value": state}

    def __repr__(self) -> str:
        return f"<{self.qualname} {self.state!r}>"


def _stand_in(qualname: str) -> type[Inert]:
    return type(qualname.rsplit(".", 1)[-1], (Inert,), {"qualname": qualname})


_TRIGGERS = "apscheduler.triggers"
STAND_INS: dict[tuple[str, str], type[Inert]] = {
    (module, name): _stand_in(f"{module}.{name}")
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
}


def _zone(name: Any) -> dt.tzinfo:
    if not isinstance(name, str):
        raise RefusedPickle("a time zone in the pickle has no name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RefusedPickle(f"unknown time zone {name!r} in the pickle") from None


def _datetime(*args: Any) -> dt.datetime:
    # The pickled form of a datetime: its 10-byte state and an optional tzinfo, decoded by the
    # datetime type itself; only bytes and real tzinfo values reach it.
    if not args or not isinstance(args[0], bytes | str) or (len(args) > 1 and not isinstance(args[1], dt.tzinfo)):
        raise RefusedPickle("a datetime in the pickle has an unexpected shape")
    state = args[0].encode("latin1") if isinstance(args[0], str) else args[0]
    return dt.datetime(state, *args[1:])  # type: ignore[arg-type]


def _date(*args: Any) -> dt.date:
    if len(args) != 1 or not isinstance(args[0], bytes | str):
        raise RefusedPickle("a date in the pickle has an unexpected shape")
    state = args[0].encode("latin1") if isinstance(args[0], str) else args[0]
    return dt.date(state)  # type: ignore[arg-type, call-arg]


def _timedelta(*args: Any) -> dt.timedelta:
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args) or len(args) > 3:
        raise RefusedPickle("a timedelta in the pickle has an unexpected shape")
    return dt.timedelta(*args)


def _timezone(*args: Any) -> dt.timezone:
    if not args or not isinstance(args[0], dt.timedelta) or (len(args) > 1 and not isinstance(args[1], str)):
        raise RefusedPickle("a fixed-offset time zone in the pickle has an unexpected shape")
    return dt.timezone(*args)


def _pytz_zone(*args: Any) -> dt.tzinfo:
    return _zone(args[0] if args else None)


def _reconstructor(cls: Any, base: Any, state: Any = None) -> Any:
    # copyreg._reconstructor(cls, object, None): how protocols 0 and 1 make an object.
    if isinstance(cls, type) and issubclass(cls, Inert):
        return cls()
    raise RefusedPickle("the pickle rebuilds an object of a class outside the allowlist")


def _newobj(cls: Any, *args: Any) -> Any:
    return _reconstructor(cls, None)


class _ZoneInfoClass:
    """Stands for `zoneinfo.ZoneInfo`, which pickles as `getattr(ZoneInfo, "_unpickle")(key, 1)`."""

    def __call__(self, key: Any, *_: Any) -> dt.tzinfo:
        return _zone(key)

    @staticmethod
    def _unpickle(key: Any, *_: Any) -> dt.tzinfo:
        return _zone(key)


ZONEINFO = _ZoneInfoClass()


def _getattr(obj: Any, name: Any) -> Any:
    # Only the one attribute lookup that zone pickles make; anything else would reach real objects.
    if obj is ZONEINFO and name == "_unpickle":
        return ZONEINFO._unpickle
    raise RefusedPickle(f"the pickle looks up attribute {name!r}, which Kairos does not allow")


FUNCTIONS: dict[tuple[str, str], Callable[..., Any]] = {
    ("datetime", "datetime"): _datetime,
    ("datetime", "date"): _date,
    ("datetime", "timedelta"): _timedelta,
    ("datetime", "timezone"): _timezone,
    ("zoneinfo", "ZoneInfo._unpickle"): ZONEINFO._unpickle,
    ("zoneinfo", "ZoneInfo"): ZONEINFO,
    ("backports.zoneinfo", "ZoneInfo._unpickle"): ZONEINFO._unpickle,
    ("backports.zoneinfo", "ZoneInfo"): ZONEINFO,
    ("builtins", "getattr"): _getattr,
    ("pytz", "_UTC"): lambda *_: dt.UTC,
    ("pytz", "_p"): _pytz_zone,
    ("pytz", "timezone"): _pytz_zone,
    ("tzlocal.unix", "_get_localzone"): lambda *_: dt.UTC,
    ("copyreg", "_reconstructor"): _reconstructor,
    ("copyreg", "__newobj__"): _newobj,
    ("builtins", "object"): object,
}


class _Reader(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in STAND_INS:
            return STAND_INS[(module, name)]
        if (module, name) in FUNCTIONS:
            return FUNCTIONS[(module, name)]
        raise RefusedPickle(
            f"the pickle names {module}.{name}, which is not a trigger, date or time zone class; "
            "Kairos reads APScheduler job state without running it and refuses anything else")

    def persistent_load(self, pid: Any) -> Any:
        raise RefusedPickle("the pickle refers to persistent objects, which Kairos does not read")


def read_pickle(data: bytes) -> Any:
    """The pickle's data with inert stand-ins for objects; RefusedPickle for anything else."""
    try:
        return _Reader(io.BytesIO(data)).load()
    except RefusedPickle:
        raise
    except Exception as exc:
        raise RefusedPickle(f"not a readable pickle: {exc.__class__.__name__}: {exc}") from None
