"""Celery's schedule shapes in JSON, to and from `ExternalEntry`.

The JSON shape is SPEC 8's: `{"<entry>": {"task", "schedule", "args", "kwargs", "options"}}` where
`schedule` is a number of seconds, `{"type": "crontab", "minute", "hour", "day_of_week",
"day_of_month", "month_of_year", "timezone"}` or `{"type": "solar", "event", "lat", "lon"}`.
Every Celery source (an upload, an app dumped in a subprocess, redbeat, django-celery-beat) is
brought to this shape first, so the mapping to Kairos lives here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kairos.domain.describe import CELERY_FIELDS, celery_to_cron, cron_to_celery
from kairos.domain.external import ExternalEntry, unexpressible
from kairos.domain.schedules import cron_trigger
from kairos.domain.triggers import TriggerError, load_zone

SOLAR_EVENTS = ("dawn_astronomical", "dawn_nautical", "dawn_civil", "sunrise", "solar_noon",
                "sunset", "dusk_civil", "dusk_nautical", "dusk_astronomical")


class EntryError(ValueError):
    """An entry of a beat_schedule that is not in Celery's shape; `loc` names where."""

    def __init__(self, loc: tuple[str, ...], message: str) -> None:
        self.loc = loc
        self.message = message
        super().__init__(f"{'.'.join(loc)}: {message}")


def _crontab(name: str, task: str, spec: Mapping[str, Any], rest: dict[str, Any]) -> ExternalEntry:
    fields = {k: spec[k] for k in CELERY_FIELDS if k in spec}
    timezone = spec.get("timezone") or "UTC"
    try:
        load_zone(str(timezone))
        expression = celery_to_cron(fields)
        expression = cron_trigger(expression, str(timezone)).expression
    except TriggerError as exc:
        return unexpressible(name, task, f"crontab {fields}", f"Kairos cannot read this crontab: "
                             f"{exc.message}", source_trigger={"type": "crontab", **spec}, **rest)
    return ExternalEntry(name=name, task=task, cron_expression=expression, timezone=str(timezone), **rest)


def _seconds(name: str, task: str, seconds: float, rest: dict[str, Any]) -> ExternalEntry:
    if seconds <= 0:
        raise EntryError((name, "schedule"), "a number of seconds must be positive")
    if seconds != int(seconds):
        return unexpressible(name, task, f"every {seconds} seconds",
                             "Kairos counts intervals in whole seconds; this one has a fraction",
                             source_trigger={"type": "interval", "seconds": seconds}, **rest)
    return ExternalEntry(name=name, task=task, interval_seconds=int(seconds), **rest)


def solar_description(event: Any, lat: Any, lon: Any) -> str:
    return f"Solar: {str(event).replace('_', ' ')} at latitude {lat}, longitude {lon}"


def entry_from_json(name: str, body: Any) -> ExternalEntry:
    """One beat_schedule entry in Celery's JSON shape as an entry; EntryError when it is malformed."""
    if not isinstance(body, dict):
        raise EntryError((name,), "an entry must be an object with task and schedule")
    task = body.get("task")
    if not isinstance(task, str) or not 1 <= len(task) <= 200:
        raise EntryError((name, "task"), "a task name (1-200 characters) is required")
    args, kwargs, options = body.get("args", []), body.get("kwargs", {}), body.get("options", {})
    if isinstance(args, tuple):
        args = list(args)
    if not isinstance(args, list):
        raise EntryError((name, "args"), "must be a list")
    if not isinstance(kwargs, dict):
        raise EntryError((name, "kwargs"), "must be an object")
    if not isinstance(options, dict):
        raise EntryError((name, "options"), "must be an object")
    enabled = body.get("enabled", True)
    rest: dict[str, Any] = {"args": args, "kwargs": kwargs, "options": options,
                            "enabled": enabled is not False}
    if isinstance(body.get("ref"), dict):
        rest["ref"] = body["ref"]
    spec = body.get("schedule")
    if isinstance(spec, bool):
        raise EntryError((name, "schedule"), "must be seconds, a crontab or a solar object")
    if isinstance(spec, int | float):
        return _seconds(name, task, float(spec), rest)
    if not isinstance(spec, dict):
        raise EntryError((name, "schedule"), "must be seconds, a crontab or a solar object")
    kind = spec.get("type")
    if kind == "crontab":
        return _crontab(name, task, spec, rest)
    if kind == "interval":
        seconds = spec.get("seconds", spec.get("every"))
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise EntryError((name, "schedule", "seconds"), "must be a number")
        return _seconds(name, task, float(seconds), rest)
    if kind == "solar":
        event, lat, lon = spec.get("event"), spec.get("lat"), spec.get("lon")
        if event not in SOLAR_EVENTS:
            raise EntryError((name, "schedule", "event"), "must be one of " + ", ".join(SOLAR_EVENTS))
        return unexpressible(name, task, solar_description(event, lat, lon),
                             "Kairos has no solar trigger: the beat decides when it runs, Kairos "
                             "shows it and records its fires",
                             source_trigger={"type": "solar", "event": event, "lat": lat, "lon": lon}, **rest)
    if isinstance(kind, str):
        return unexpressible(name, task, f"{kind} schedule",
                             f"Kairos cannot express a Celery {kind!r} schedule",
                             source_trigger=dict(spec), **rest)
    raise EntryError((name, "schedule", "type"), "must be crontab, solar or interval")


def entries_from_beat_schedule(beat_schedule: Mapping[str, Any]) -> list[ExternalEntry]:
    """Every entry of a JSON beat_schedule; the first malformed one raises EntryError."""
    return [entry_from_json(str(name), body) for name, body in beat_schedule.items()]


def schedule_json(entry: ExternalEntry) -> Any:
    """The entry's `schedule` in Celery's JSON shape (for writing back to a scheduler)."""
    if entry.cron_expression is not None:
        crontab = cron_to_celery(entry.cron_expression)
        if crontab is None:
            raise EntryError((entry.name, "cron_expression"),
                             "a seconds field has no Celery crontab form")
        return {"type": "crontab", **crontab, "timezone": entry.timezone}
    if entry.interval_seconds is not None:
        return entry.interval_seconds
    if entry.source_trigger is not None:
        return dict(entry.source_trigger)
    raise EntryError((entry.name, "schedule"), "the entry has no trigger to write")
