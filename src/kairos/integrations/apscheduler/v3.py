"""APScheduler 3.x `SQLAlchemyJobStore`: its table read (never written) into entries.

Each row is `(id, next_run_time, job_state)` where `job_state` is a pickle of the job's state
dict: read by `pickles.read_pickle` (plain values, nothing run). Cron triggers become cron
expressions in their time zone, interval triggers whole seconds, date triggers a once; what cron
cannot say (APScheduler ANDs day and day_of_week where cron ORs them, year and week fields,
"2nd mon", values outside a field's bounds) is imported read-only with the reason. Each row is
read on its own: one that cannot be read at all is a disabled, read-only entry saying why.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from kairos.domain.external import ExternalEntry, unexpressible
from kairos.exceptions import LinkUnavailable
from kairos.integrations.apscheduler.pickles import Obj, RefusedPickle, read_pickle

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
POSITIONS = ("1st", "2nd", "3rd", "4th", "5th", "last")
# APScheduler's own bounds for each cron field (`apscheduler.triggers.cron.fields`).
LIMITS = {"year": (1970, 9999), "month": (1, 12), "day": (1, 31), "week": (1, 53), "day_of_week": (0, 6),
          "hour": (0, 23), "minute": (0, 59), "second": (0, 59)}
MAX_EXPRESSIONS = 100


class Unexpressible(ValueError):
    """A trigger Kairos cannot express; the message says why."""


def _kind(obj: Any) -> str:
    return obj.kind if isinstance(obj, Obj) else type(obj).__name__


def _number(value: Any, field: str, what: str) -> int:
    """A value of a cron field within the field's own bounds, as APScheduler checks when it builds one."""
    low, high = LIMITS[field]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Unexpressible(f"the {field} field has {what} {value!r}, outside {low}-{high}")
    return value


def _step(value: Any, field: str) -> int | None:
    if value is None:
        return None
    low, high = LIMITS[field]
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= high - low:
        raise Unexpressible(f"the {field} field has step {value!r}, which is not between 1 and {high - low}")
    return value


def _expression(expr: Any, field: str) -> str:
    if not isinstance(expr, Obj):
        raise Unexpressible(f"the {field} field holds {_kind(expr)}, not a cron expression")
    kind, state = expr.kind, expr.state
    step = _step(state.get("step"), field)
    if kind == "AllExpression":
        if field == "day_of_week" and step:
            return ",".join(WEEKDAYS[d] for d in range(0, 7, step))
        return f"*/{step}" if step else "*"
    if kind == "LastDayOfMonthExpression":
        return "L"
    if kind == "WeekdayPositionExpression":
        num, day = state.get("option_num"), state.get("weekday")
        said = (f"{POSITIONS[num]} {WEEKDAYS[day]}" if isinstance(num, int) and isinstance(day, int)
                and 0 <= num < len(POSITIONS) and 0 <= day < 7 else f"{num!r} {day!r}")
        raise Unexpressible(f"the {field} field says '{said}', which cron cannot express here")
    if kind in ("RangeExpression", "MonthRangeExpression", "WeekdayRangeExpression"):
        first = _number(state.get("first"), field, "first value")
        last = state.get("last")
        # APScheduler's "5/10" (no last) runs from 5 to the field's end; "5" alone is 5-5.
        last = (LIMITS[field][1] if step else first) if last is None else _number(last, field, "last value")
        if last < first:
            raise Unexpressible(f"the {field} field has the range {first}-{last}, which runs backwards")
        if field == "day_of_week":
            return ",".join(WEEKDAYS[d] for d in range(first, last + 1, step or 1))
        if state.get("last") is None and step:
            return f"{first}/{step}"
        text = str(first) if last == first else f"{first}-{last}"
        return f"{text}/{step}" if step else text
    raise Unexpressible(f"unknown cron expression {kind} in the {field} field")


def _field(fields: dict[str, Any], name: str) -> tuple[str, bool]:
    field = fields.get(name)
    if field is None:
        return "*", True
    state = field.state
    exprs = state.get("expressions") or []
    if not isinstance(exprs, list | tuple) or len(exprs) > MAX_EXPRESSIONS:
        raise Unexpressible(f"the {name} field does not hold a list of at most {MAX_EXPRESSIONS} expressions")
    return ",".join(_expression(e, name) for e in exprs) or "*", bool(state.get("is_default"))


def _zone_name(zone: Any) -> str:
    if zone is None or zone is dt.UTC:
        return "UTC"
    key = getattr(zone, "key", None)
    if isinstance(key, str):
        return key
    if isinstance(zone, dt.timezone) and zone.utcoffset(None) == dt.timedelta(0):
        return "UTC"
    raise Unexpressible(f"the time zone {zone!r} has no IANA name")


def cron_of(trigger: Obj) -> tuple[str, str]:
    """(cron expression, time zone) of a 3.x CronTrigger's state."""
    state = trigger.state
    listed = state.get("fields") or []
    if not isinstance(listed, list | tuple):
        raise Unexpressible("the trigger's fields are not a list")
    fields = {str(f.state.get("name")): f for f in listed if isinstance(f, Obj)}
    if state.get("jitter"):
        raise Unexpressible("the trigger has jitter")
    for name in ("year", "week"):
        text, default = _field(fields, name)
        if not default and text != "*":
            raise Unexpressible(f"cron has no {name} field (this trigger sets {name}={text})")
    parts = {name: _field(fields, name) for name in ("second", "minute", "hour", "day", "month", "day_of_week")}
    day, dow = parts["day"][0], parts["day_of_week"][0]
    if day != "*" and dow != "*" and not day.startswith("*") and not dow.startswith("*"):
        raise Unexpressible("APScheduler runs only on days matching both day and day_of_week, "
                            "where cron runs on days matching either")
    five = " ".join(parts[n][0] for n in ("minute", "hour", "day", "month", "day_of_week"))
    second = parts["second"][0]
    expression = five if second == "0" else f"{second} {five}"
    return expression, _zone_name(state.get("timezone"))


def plain(value: Any) -> Any:
    """A job argument as JSON data; anything else (a datetime, an APScheduler object) as its repr.

    `read_pickle` has already refused cycles, deep nesting and large expansions, so this ends.
    """
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return repr(value)


def entry_of_job(job_id: str, state: Any, next_run: float | None) -> ExternalEntry:
    """One job's entry; a job whose state is not what APScheduler writes is read-only, saying so."""
    if not isinstance(state, dict):
        return unexpressible(job_id, "?", "unreadable job", "the job state is not a dict", enabled=False)
    func = state.get("func")
    task = func if isinstance(func, str) else f"<{_kind(func)}>"
    args, kwargs = state.get("args") or (), state.get("kwargs") or {}
    if not isinstance(args, list | tuple) or not isinstance(kwargs, dict):
        return unexpressible(job_id, task, "unreadable job", "the job's args are not a list or its kwargs not a dict",
                             enabled=False, ref={"id": job_id, "next_run_time": next_run})
    common: dict[str, Any] = {
        "args": [plain(a) for a in args], "kwargs": {str(k): plain(v) for k, v in kwargs.items()},
        "enabled": next_run is not None,
        "options": {k: state[k] for k in ("executor", "misfire_grace_time", "coalesce", "max_instances")
                    if isinstance(state.get(k), str | int | bool)},
        "ref": {"id": job_id, "next_run_time": next_run},
    }
    trigger = state.get("trigger")
    kind = _kind(trigger)
    if not isinstance(trigger, Obj):
        return unexpressible(job_id, task, f"APScheduler {kind}", "the job has no trigger Kairos can read", **common)
    try:
        if kind == "CronTrigger":
            expression, zone = cron_of(trigger)
            return ExternalEntry(name=job_id, task=task, cron_expression=expression, timezone=zone, **common)
        if kind == "IntervalTrigger":
            interval = trigger.state.get("interval")
            seconds = interval.total_seconds() if isinstance(interval, dt.timedelta) else None
            if seconds is None or seconds != int(seconds) or seconds < 1:
                raise Unexpressible(f"an interval of {seconds} seconds is not whole seconds")
            return ExternalEntry(name=job_id, task=task, interval_seconds=int(seconds), **common)
        if kind == "DateTrigger":
            run_date = trigger.state.get("run_date")
            if not isinstance(run_date, dt.datetime) or run_date.tzinfo is None:
                raise Unexpressible("a date trigger without an aware date")
            return ExternalEntry(name=job_id, task=task, run_at=run_date.astimezone(dt.UTC), **common)
        raise Unexpressible(f"Kairos cannot express an APScheduler {kind}")
    except Unexpressible as exc:
        return unexpressible(job_id, task, f"APScheduler {kind}", str(exc), **common)


def entry_of_row(row_id: Any, job_state: Any, next_run: Any) -> ExternalEntry:
    """One row's entry, whatever the row holds: a row Kairos cannot read is read-only, saying why."""
    name = str(row_id)
    try:
        if not isinstance(job_state, bytes | bytearray | memoryview):
            raise RefusedPickle(f"the job state is {type(job_state).__name__}, not bytes")
        if next_run is not None and (not isinstance(next_run, int | float) or isinstance(next_run, bool)):
            raise RefusedPickle(f"next_run_time is {next_run!r}, not a number")
        return entry_of_job(name, read_pickle(bytes(job_state)), next_run)
    except RefusedPickle as exc:
        reason = f"job {name!r} was refused: {exc}"
    except Exception as exc:  # one odd row must not hide the others, nor stop the watcher
        reason = f"job {name!r} could not be read: {exc.__class__.__name__}: {str(exc)[:300]}"
    return unexpressible(name, "?", "refused job state", reason, enabled=False, ref={"id": name})


class JobStoreTable:
    """One link's `apscheduler_jobs` table (read only)."""

    def __init__(self, engine: Engine, tablename: str) -> None:
        schema, _, name = tablename.rpartition(".")
        self.engine = engine
        self.table = sa.table(name, sa.column("id"), sa.column("next_run_time"), sa.column("job_state"),
                              schema=schema or None)

    def read(self) -> list[ExternalEntry]:
        try:
            with self.engine.connect() as conn:
                rows = list(conn.execute(sa.select(self.table).order_by(self.table.c.id)))
        except SQLAlchemyError as exc:
            raise LinkUnavailable(f"could not read the APScheduler job table: {str(exc).splitlines()[0]}") from None
        return [entry_of_row(row.id, row.job_state, row.next_run_time) for row in rows]

