"""APScheduler 4.x `SQLAlchemyDataStore`: its `schedules` and `tasks` tables read (never written) into entries.

A schedule row holds its trigger, args and kwargs as bytes of the scheduler's serializer, which
the table does not name, so each value is recognised by its shape: a pickle (the default
`PickleSerializer`) is read by `pickles.read_pickle`, nothing run; JSON (`JSONSerializer`) is
parsed as plain data with no object hook, and its `{"_apscheduler_json": [ref, state]}` objects
become `Obj`s only for the trigger classes `records` allows; CBOR is refused, as Kairos has no
CBOR decoder. 4.x triggers pickle their `__getstate__` dicts, under the class names 3.x used.
Cron fields are stored as APScheduler's own field strings; they are parsed into 3.x's field
shape, so that one set of rules (`v3.cron_of`) says what cron can and cannot express. Each row
is read on its own: one that cannot be read is a disabled, read-only entry saying why.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from kairos.domain.external import ExternalEntry, unexpressible
from kairos.exceptions import LinkUnavailable
from kairos.integrations.apscheduler.pickles import MAX_BYTES, Obj, RefusedPickle, read_pickle
from kairos.integrations.apscheduler.records import APSCHEDULER_CLASSES, zone_of
from kairos.integrations.apscheduler.v3 import MONTHS, POSITIONS, WEEKDAYS, Unexpressible, cron_of, plain

MAGIC_KEY = "_apscheduler_json"
# The order 4.x's CronTrigger keeps its fields in (`CronTrigger.FIELDS_MAP`).
CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")
_ALL = re.compile(r"\*(?:/(\d+))?")
_RANGE = re.compile(r"(\d+)(?:-(\d+))?(?:/(\d+))?")
_NAMES = re.compile(r"([a-z]+)(?:-([a-z]+))?")
_POSITION = re.compile(r"(1st|2nd|3rd|4th|5th|last) +([a-z]+)")


def _from_json(value: Any, depth: int = 0) -> Any:
    """JSON data with APScheduler's marked objects as `Obj`s of allowed trigger classes, others refused."""
    if depth > 100:
        raise RefusedPickle("the JSON value is nested too deeply")
    if isinstance(value, list):
        return [_from_json(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if MAGIC_KEY in value:
        marked = value[MAGIC_KEY]
        if not (isinstance(marked, list) and len(marked) == 2 and isinstance(marked[0], str)):
            raise RefusedPickle(f"a {MAGIC_KEY} object in the JSON is not [class, state]")
        return _marked(marked[0], marked[1], depth)
    return {k: _from_json(v, depth + 1) for k, v in value.items()}


def _marked(ref: str, state: Any, depth: int) -> Obj:
    name = ref.replace(":", ".", 1)
    if name not in APSCHEDULER_CLASSES:
        raise RefusedPickle(f"the JSON names {ref[:200]}, which is not a trigger class Kairos reads; "
                            "Kairos refuses it")
    if not isinstance(state, dict):
        raise RefusedPickle(f"the state of a {ref} in the JSON is not a dict")
    return Obj(name, {str(k): _from_json(v, depth + 1) for k, v in state.items()})


def decode(data: Any, what: str) -> Any:
    """A serialized value as plain data and `Obj`s, whichever of 4.x's serializers wrote it."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise RefusedPickle(f"the {what} is {type(data).__name__}, not bytes")
    data = bytes(data)
    if len(data) > MAX_BYTES:
        raise RefusedPickle(f"the {what} is larger than {MAX_BYTES:,} bytes")
    if len(data) > 2 and data[0] == 0x80 and 2 <= data[1] <= 5:  # PROTO: a pickle of protocol 2-5
        return read_pickle(data)
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        if data and (0x80 <= data[0] <= 0xBF or 0xC0 <= data[0] <= 0xDB):
            raise RefusedPickle(f"the {what} looks like CBOR (APScheduler's CBORSerializer), which "
                                "Kairos does not read; use the pickle or JSON serializer") from None
        return read_pickle(data)  # a pickle of protocol 0 or 1, or nothing readable (refused, saying so)
    return _from_json(parsed)


def _aware(value: Any, what: str) -> dt.datetime:
    # A pickle holds datetimes, JSON their ISO text.
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise Unexpressible(f"the {what} {value[:40]!r} is not a date and time") from None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise Unexpressible(f"the {what} is not an aware date and time")
    return value


def _token(token: str, field: str) -> Obj:
    """One expression of a 4.x cron field string, in the shape 3.x pickles it as."""
    if match := _ALL.fullmatch(token):
        return Obj("AllExpression", {"step": int(match[1]) if match[1] else None})
    if match := _RANGE.fullmatch(token):
        last = int(match[2]) if match[2] else None
        return Obj("RangeExpression", {"first": int(match[1]), "last": last,
                                       "step": int(match[3]) if match[3] else None})
    if token == "last" and field == "day":
        return Obj("LastDayOfMonthExpression", {})
    if (match := _POSITION.fullmatch(token)) and field == "day" and match[2] in WEEKDAYS:
        return Obj("WeekdayPositionExpression", {"option_num": POSITIONS.index(match[1]),
                                                 "weekday": WEEKDAYS.index(match[2])})
    names = {"month": MONTHS, "day_of_week": WEEKDAYS}.get(field)
    match = _NAMES.fullmatch(token)
    if names and match and match[1] in names and (match[2] is None or match[2] in names):
        offset = 1 if field == "month" else 0
        first = names.index(match[1]) + offset
        last = names.index(match[2]) + offset if match[2] else None
        kind = "MonthRangeExpression" if field == "month" else "WeekdayRangeExpression"
        return Obj(kind, {"first": first, "last": last, "step": None})
    raise Unexpressible(f"the {field} field says {token[:40]!r}, which Kairos does not read")


def cron_trigger(state: Any) -> tuple[str, str]:
    """(cron expression, time zone) of a 4.x CronTrigger's state."""
    texts = state.get("fields")
    if not isinstance(texts, list | tuple) or len(texts) != len(CRON_FIELDS) or not all(
            isinstance(t, str) and len(t) <= 500 for t in texts):
        raise Unexpressible(f"the trigger's fields are not {len(CRON_FIELDS)} cron field strings")
    fields = [Obj("BaseField", {"name": name, "is_default": False,
                                "expressions": [_token(t, name) for t in re.split(r" *, *", text.strip().lower())]})
              for name, text in zip(CRON_FIELDS, texts, strict=True)]
    try:
        zone = zone_of(state.get("timezone"))
    except RefusedPickle as exc:
        raise Unexpressible(str(exc)) from None
    return cron_of(Obj("CronTrigger", {"fields": fields, "timezone": zone}))


def interval_seconds(state: Any) -> int:
    """Whole seconds of a 4.x IntervalTrigger (`interval` is weeks, days, hours, minutes, seconds, µs)."""
    parts = state.get("interval")
    if not isinstance(parts, list | tuple) or len(parts) != 6 or not all(
            isinstance(p, int | float) and not isinstance(p, bool) and abs(p) < 10**12 for p in parts):
        raise Unexpressible("the interval is not six numbers")
    weeks, days, hours, minutes, seconds, micro = parts
    total = dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds,
                         microseconds=micro).total_seconds()
    if total != int(total) or total < 1:
        raise Unexpressible(f"an interval of {total} seconds is not whole seconds")
    return int(total)


def _seconds(value: Any) -> float | None:
    """An interval column: a timedelta (PostgreSQL) or microseconds (4.x's emulated interval)."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, int) and not isinstance(value, bool):
        return value / 1_000_000
    return None


def _timestamp(value: Any) -> float | None:
    """A timestamp column as epoch seconds: a datetime, or microseconds (4.x's emulated timestamp)."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp()
    if isinstance(value, int) and not isinstance(value, bool):
        return value / 1_000_000
    return None


def entry_of_schedule(row: Any, task: str) -> ExternalEntry:
    """One schedule's entry; a schedule whose values are not what 4.x writes is read-only, saying so."""
    name = str(row.id)
    next_run = _timestamp(row.next_fire_time)
    ref = {"id": name, "task_id": str(row.task_id), "next_run_time": next_run}
    try:
        trigger, args, kwargs = (decode(row.trigger, "trigger"), decode(row.args, "args"),
                                 decode(row.kwargs, "kwargs"))
    except RefusedPickle as exc:
        return unexpressible(name, task, "refused schedule", f"schedule {name!r} was refused: {exc}",
                             enabled=False, ref=ref)
    if not isinstance(args, list | tuple) or not isinstance(kwargs, dict):
        return unexpressible(name, task, "unreadable schedule",
                             "the schedule's args are not a list or its kwargs not a dict", enabled=False, ref=ref)
    options: dict[str, Any] = {"coalesce": str(row.coalesce), "job_executor": str(row.job_executor)}
    for key in ("misfire_grace_time", "max_jitter"):
        seconds = _seconds(getattr(row, key))
        if seconds is not None:
            options[key] = seconds
    common: dict[str, Any] = {
        "args": [plain(a) for a in args], "kwargs": {str(k): plain(v) for k, v in kwargs.items()},
        "enabled": not row.paused and next_run is not None, "options": options, "ref": ref,
    }
    kind = trigger.kind if isinstance(trigger, Obj) else type(trigger).__name__
    if not isinstance(trigger, Obj):
        return unexpressible(name, task, f"APScheduler {kind}", "the schedule has no trigger Kairos can read",
                             **common)
    try:
        if options.get("max_jitter"):
            raise Unexpressible("the schedule has max_jitter")
        if kind == "CronTrigger":
            expression, zone = cron_trigger(trigger.state)
            return ExternalEntry(name=name, task=task, cron_expression=expression, timezone=zone, **common)
        if kind == "IntervalTrigger":
            return ExternalEntry(name=name, task=task, interval_seconds=interval_seconds(trigger.state), **common)
        if kind == "DateTrigger":
            run_at = _aware(trigger.state.get("run_time"), "run time").astimezone(dt.UTC)
            return ExternalEntry(name=name, task=task, run_at=run_at, **common)
        if kind == "CalendarIntervalTrigger":
            raise Unexpressible("a calendar interval (whole months or days at a time of day, skipping "
                                "dates that do not exist) is not a cron expression or a fixed interval")
        if kind in ("AndTrigger", "OrTrigger"):
            raise Unexpressible(f"an APScheduler {kind} combines triggers, which a Kairos schedule cannot")
        raise Unexpressible(f"Kairos cannot express an APScheduler {kind}")
    except Unexpressible as exc:
        return unexpressible(name, task, f"APScheduler {kind}", str(exc), **common)


def _safe_entry(row: Any, task: str) -> ExternalEntry:
    try:
        return entry_of_schedule(row, task)
    except Exception as exc:  # one odd row must not hide the others, nor stop the watcher
        name = str(row.id)
        return unexpressible(name, task, "refused schedule", f"schedule {name!r} could not be read: "
                             f"{exc.__class__.__name__}: {str(exc)[:300]}", enabled=False, ref={"id": name})


class DataStoreTables:
    """One link's 4.x data store: its `schedules` and `tasks` tables, in `schema` if given (read only)."""

    def __init__(self, engine: Engine, schema: str | None = None) -> None:
        self.engine = engine
        columns = ("id", "task_id", "trigger", "args", "kwargs", "paused", "coalesce", "misfire_grace_time",
                   "max_jitter", "job_executor", "next_fire_time")
        self.schedules = sa.table("schedules", *(sa.column(c) for c in columns), schema=schema)
        self.tasks = sa.table("tasks", sa.column("id"), sa.column("func"), schema=schema)

    def read(self) -> list[ExternalEntry]:
        try:
            with self.engine.connect() as conn:
                funcs = {str(row.id): row.func for row in conn.execute(sa.select(self.tasks))}
                rows = list(conn.execute(sa.select(self.schedules).order_by(self.schedules.c.id)))
        except SQLAlchemyError as exc:
            raise LinkUnavailable("could not read the APScheduler 4 data store tables: "
                                  f"{str(exc).splitlines()[0]}") from None
        # A task's `func` is its callable's reference; a task configured without one runs by its id.
        return [_safe_entry(row, str(funcs.get(str(row.task_id)) or row.task_id)) for row in rows]

