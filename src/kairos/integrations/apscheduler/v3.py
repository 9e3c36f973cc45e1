"""APScheduler 3.x `SQLAlchemyJobStore`: its table read (never written) into entries.

Each row is `(id, next_run_time, job_state)` where `job_state` is a pickle of the job's state
dict: read by `pickles.read_pickle` (inert values only). Cron triggers become cron expressions
in their time zone, interval triggers whole seconds, date triggers a once; what cron cannot say
(APScheduler ANDs day and day_of_week where cron ORs them, year and week fields, "2nd mon")
is imported read-only with the reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from kairos.domain.external import ExternalEntry, unexpressible
from kairos.exceptions import LinkUnavailable
from kairos.integrations.apscheduler.pickles import Inert, RefusedPickle, read_pickle

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class Unexpressible(ValueError):
    """A trigger Kairos cannot express; the message says why."""


def _kind(obj: Any) -> str:
    return obj.qualname.rsplit(".", 1)[-1] if isinstance(obj, Inert) else type(obj).__name__


def _expression(expr: Any, field: str) -> str:
    kind, state = _kind(expr), getattr(expr, "state", {})
    step = state.get("step")
    if kind == "AllExpression":
        return f"*/{step}" if step else "*"
    if kind == "LastDayOfMonthExpression":
        return "L"
    if kind == "WeekdayPositionExpression":
        raise Unexpressible(f"the {field} field says '{state.get('option_num')} {state.get('weekday')}', "
                            "which cron cannot express here")
    if kind in ("RangeExpression", "MonthRangeExpression", "WeekdayRangeExpression"):
        first, last = state.get("first"), state.get("last")
        if field == "day_of_week":
            return _weekdays(first, last, step)
        text = str(first) if last in (None, first) else f"{first}-{last}"
        return f"{text}/{step}" if step else text
    raise Unexpressible(f"unknown cron expression {kind} in the {field} field")


def _weekdays(first: Any, last: Any, step: Any) -> str:
    """APScheduler counts weekdays from Monday = 0; cron from Sunday = 0. Spelt out as names."""
    if not isinstance(first, int):
        raise Unexpressible("a day_of_week range without numbers")
    last = first if last is None else last
    days = list(range(first, last + 1, step or 1))
    return ",".join(WEEKDAYS[d % 7] for d in days)


def _field(fields: dict[str, Any], name: str) -> tuple[str, bool]:
    field = fields.get(name)
    if field is None:
        return "*", True
    state = field.state
    exprs = state.get("expressions") or []
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


def cron_of(trigger: Inert) -> tuple[str, str]:
    """(cron expression, time zone) of a 3.x CronTrigger's state."""
    state = trigger.state
    fields = {str(f.state.get("name")): f for f in state.get("fields") or [] if isinstance(f, Inert)}
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


def _plain(value: Any) -> Any:
    """A job argument as JSON data; anything else (a datetime, a stand-in object) as its repr."""
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return repr(value)


def entry_of_job(job_id: str, state: Any, next_run: float | None) -> ExternalEntry:
    """One job's entry; a job whose state is not what APScheduler writes is read-only, saying so."""
    if not isinstance(state, dict):
        return unexpressible(job_id, "?", "unreadable job", "the job state is not a dict", enabled=False)
    func = state.get("func")
    task = func if isinstance(func, str) else f"<{_kind(func)}>"
    args = [_plain(a) for a in state.get("args") or ()]
    kwargs = {str(k): _plain(v) for k, v in (state.get("kwargs") or {}).items()}
    common: dict[str, Any] = {
        "args": args, "kwargs": kwargs, "enabled": next_run is not None,
        "options": {k: state[k] for k in ("executor", "misfire_grace_time", "coalesce", "max_instances")
                    if isinstance(state.get(k), str | int | bool)},
        "ref": {"id": job_id, "next_run_time": next_run},
    }
    trigger = state.get("trigger")
    kind = _kind(trigger)
    if not isinstance(trigger, Inert):
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
            if not isinstance(run_date, dt.datetime):
                raise Unexpressible("a date trigger without a date")
            return ExternalEntry(name=job_id, task=task, run_at=run_date.astimezone(dt.UTC), **common)
        raise Unexpressible(f"Kairos cannot express an APScheduler {kind}")
    except Unexpressible as exc:
        return unexpressible(job_id, task, f"APScheduler {kind}", str(exc), **common)


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
        entries = []
        for row in rows:
            try:
                state = read_pickle(bytes(row.job_state))
            except RefusedPickle as exc:
                entries.append(unexpressible(str(row.id), "?", "refused job state",
                                             f"job {row.id!r} was refused: {exc}", enabled=False,
                                             ref={"id": row.id}))
                continue
            entries.append(entry_of_job(str(row.id), state, row.next_run_time))
        return entries

    def ping(self) -> None:
        self.read()
