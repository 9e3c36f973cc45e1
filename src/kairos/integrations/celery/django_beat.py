"""django-celery-beat's tables, read and written with SQL (no Django in the Kairos process).

`DatabaseScheduler` re-reads its tables when the single row of `django_celery_beat_periodictasks`
gets a new `last_update`, so every write here bumps it in the same transaction: a running beat
picks the change up at its next tick, exactly as after a change made in Django's admin.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from kairos.domain.external import ExternalEntry, unexpressible
from kairos.exceptions import LinkUnavailable
from kairos.integrations.celery.shapes import EntryError, entry_from_json, schedule_json

_P = "django_celery_beat_"
task_t = sa.table(
    _P + "periodictask", *(sa.column(n) for n in (
        "id", "name", "task", "interval_id", "crontab_id", "solar_id", "clocked_id", "args", "kwargs",
        "queue", "exchange", "routing_key", "headers", "priority", "expires", "expire_seconds",
        "one_off", "start_time", "enabled", "last_run_at", "total_run_count", "date_changed",
        "description")))
interval_t = sa.table(_P + "intervalschedule", sa.column("id"), sa.column("every"), sa.column("period"))
crontab_t = sa.table(_P + "crontabschedule", *(sa.column(n) for n in (
    "id", "minute", "hour", "day_of_week", "day_of_month", "month_of_year", "timezone")))
solar_t = sa.table(_P + "solarschedule", sa.column("id"), sa.column("event"), sa.column("latitude"),
                   sa.column("longitude"))
clocked_t = sa.table(_P + "clockedschedule", sa.column("id"), sa.column("clocked_time"))
changes_t = sa.table(_P + "periodictasks", sa.column("ident"), sa.column("last_update"))

PERIOD_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}
OPTION_COLUMNS = ("queue", "exchange", "routing_key", "priority", "expire_seconds")
# Celery's own entry, which its beat keeps for itself (`celery.backend_cleanup`).
CELERY_INTERNAL = ("celery.backend_cleanup",)


def _loads(text: Any, default: Any) -> Any:
    if text in (None, ""):
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


def _db_time(value: datetime, conn: Connection) -> datetime:
    # Django keeps UTC; on SQLite it writes naive text, on PostgreSQL a timestamptz.
    value = value.astimezone(UTC)
    return value.replace(tzinfo=None) if conn.dialect.name == "sqlite" else value


class DjangoBeatTables:
    """One link's django-celery-beat database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _conn(self, write: bool) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            what = "write to" if write else "read"
            raise LinkUnavailable(f"could not {what} the django-celery-beat tables: "
                                  f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}") from None

    def read(self) -> list[ExternalEntry]:
        with self._conn(False) as conn:
            intervals = {r.id: r for r in conn.execute(sa.select(interval_t))}
            crontabs = {r.id: r for r in conn.execute(sa.select(crontab_t))}
            solars = {r.id: r for r in conn.execute(sa.select(solar_t))}
            clocked = {r.id: r for r in conn.execute(sa.select(clocked_t))}
            rows = list(conn.execute(sa.select(task_t).order_by(task_t.c.id)))
        entries = []
        for row in rows:
            if row.task in CELERY_INTERNAL:
                continue
            options = {name: getattr(row, name) for name in OPTION_COLUMNS if getattr(row, name) is not None}
            headers = _loads(row.headers, {})
            if headers:
                options["headers"] = headers
            body: dict[str, Any] = {
                "task": row.task, "args": _loads(row.args, []), "kwargs": _loads(row.kwargs, {}),
                "options": options, "enabled": bool(row.enabled), "ref": {"id": row.id},
            }
            if row.crontab_id in crontabs:
                c = crontabs[row.crontab_id]
                body["schedule"] = {"type": "crontab", "minute": c.minute, "hour": c.hour,
                                    "day_of_week": c.day_of_week, "day_of_month": c.day_of_month,
                                    "month_of_year": c.month_of_year, "timezone": str(c.timezone or "UTC")}
            elif row.interval_id in intervals:
                i = intervals[row.interval_id]
                body["schedule"] = i.every * PERIOD_SECONDS.get(i.period, 1)
            elif row.solar_id in solars:
                s = solars[row.solar_id]
                lat, lon = float(Decimal(s.latitude)), float(Decimal(s.longitude))
                body["schedule"] = {"type": "solar", "event": s.event, "lat": lat, "lon": lon}
            elif row.clocked_id in clocked:
                when = clocked[row.clocked_id].clocked_time
                entries.append(unexpressible(
                    row.name, row.task, f"Once at {when} (clocked)", "a clocked one-off task is run "
                    "by django-celery-beat itself", args=body["args"], kwargs=body["kwargs"],
                    options=options, enabled=body["enabled"], ref=body["ref"],
                    source_trigger={"type": "clocked", "clocked_time": str(when)}))
                continue
            try:
                entries.append(entry_from_json(row.name, body))
            except EntryError as exc:
                entries.append(unexpressible(row.name, row.task, "unreadable schedule", exc.message,
                                             ref=body["ref"]))
        return entries

    # --- writing ----------------------------------------------------------------------------

    def _schedule_ids(self, conn: Connection, entry: ExternalEntry) -> dict[str, Any]:
        """The schedule row the entry needs, found or created (Django shares them between tasks)."""
        ids: dict[str, Any] = {"interval_id": None, "crontab_id": None, "solar_id": None, "clocked_id": None}
        spec = schedule_json(entry)
        if isinstance(spec, int):
            found = conn.scalar(sa.select(interval_t.c.id).where(interval_t.c.every == spec,
                                                                 interval_t.c.period == "seconds"))
            if found is None:
                found = conn.execute(interval_t.insert().values(every=spec, period="seconds")
                                     .returning(interval_t.c.id)).scalar_one()
            ids["interval_id"] = found
        elif spec.get("type") == "crontab":
            values = {k: spec[k] for k in ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")}
            values["timezone"] = entry.timezone
            found = conn.scalar(sa.select(crontab_t.c.id).where(
                *(crontab_t.c[k] == v for k, v in values.items())))
            if found is None:
                found = conn.execute(crontab_t.insert().values(**values).returning(crontab_t.c.id)).scalar_one()
            ids["crontab_id"] = found
        elif spec.get("type") == "solar":
            values = {"event": spec["event"], "latitude": spec["lat"], "longitude": spec["lon"]}
            found = conn.scalar(sa.select(solar_t.c.id).where(*(solar_t.c[k] == v for k, v in values.items())))
            if found is None:
                found = conn.execute(solar_t.insert().values(**values).returning(solar_t.c.id)).scalar_one()
            ids["solar_id"] = found
        else:
            raise EntryError((entry.name, "schedule"), f"cannot write a {spec.get('type')} schedule")
        return ids

    def write(self, upsert: Sequence[ExternalEntry], delete: Sequence[str], now: datetime) -> None:
        """Create or update entries by name and delete others, then tell a running beat."""
        with self._conn(True) as conn:
            if delete:
                conn.execute(task_t.delete().where(task_t.c.name.in_(list(delete))))
            for entry in upsert:
                options = entry.options
                values: dict[str, Any] = {
                    "task": entry.task, "args": json.dumps(entry.args), "kwargs": json.dumps(entry.kwargs),
                    "enabled": entry.enabled, "date_changed": _db_time(now, conn),
                    **{name: options.get(name) for name in OPTION_COLUMNS},
                    "headers": json.dumps(options.get("headers") or {}),
                    **self._schedule_ids(conn, entry),
                }
                updated = conn.execute(task_t.update().where(task_t.c.name == entry.name).values(**values))
                if updated.rowcount == 0:
                    conn.execute(task_t.insert().values(
                        name=entry.name, one_off=False, total_run_count=0, description="", expires=None,
                        start_time=None, last_run_at=None, **values))
            self._bump(conn, now)

    def _bump(self, conn: Connection, now: datetime) -> None:
        stamp = _db_time(now, conn)
        if conn.execute(changes_t.update().where(changes_t.c.ident == 1).values(last_update=stamp)).rowcount == 0:
            conn.execute(changes_t.insert().values(ident=1, last_update=stamp))
