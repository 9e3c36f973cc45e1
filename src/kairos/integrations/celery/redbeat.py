"""redbeat's Redis keys, read and written without importing redbeat or Celery.

redbeat keeps each entry in a hash at `<prefix><name>` whose `definition` field is JSON with
`__type__` tags for what JSON cannot hold (`interval`, `crontab`, `datetime`, `rrule`), and
indexes due times in the sorted set `<prefix>:schedule` (score: the next run as a UNIX time).
The JSON is parsed as plain data; the tags are read here by name, never turned into objects by a
decoder hook. A crontab carries no time zone in redbeat: it is the app's, given on the link.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from kairos.domain.external import ExternalEntry, unexpressible
from kairos.exceptions import LinkUnavailable
from kairos.integrations.celery.shapes import EntryError, entry_from_json, schedule_json

try:
    import redis
except ImportError:  # the `celery` extra is not installed
    redis = None  # type: ignore[assignment]


def _schedule_from_tagged(value: Any, timezone: str) -> Any:
    """redbeat's tagged schedule in Celery's JSON shape (SPEC 8), or an 'unknown' marker."""
    if not isinstance(value, dict):
        return value
    tag = value.get("__type__")
    if tag == "interval":
        return {"type": "interval", "seconds": value.get("every")}
    if tag == "crontab":
        fields = {k: value.get(k, "*") for k in ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")}
        return {"type": "crontab", **fields, "timezone": timezone}
    return {"type": str(tag or "unknown"), **{k: v for k, v in value.items() if k != "__type__"}}


def entry_from_definition(name: str, text: str | bytes, timezone: str) -> ExternalEntry:
    try:
        definition = json.loads(text)
    except ValueError:
        return unexpressible(name, "?", "unreadable definition", "the redbeat definition is not JSON")
    if not isinstance(definition, dict):
        return unexpressible(name, "?", "unreadable definition", "the redbeat definition is not an object")
    body = {k: definition.get(k) for k in ("task", "args", "kwargs", "options", "enabled") if k in definition}
    body["schedule"] = _schedule_from_tagged(definition.get("schedule"), timezone)
    body["ref"] = {"key": name}
    try:
        return entry_from_json(str(definition.get("name") or name), body)
    except EntryError as exc:
        return unexpressible(str(definition.get("name") or name), str(definition.get("task") or "?"),
                             "unreadable schedule", exc.message)


def _tagged_schedule(entry: ExternalEntry, timezone: str) -> dict[str, Any]:
    spec = schedule_json(entry)
    if isinstance(spec, int):
        return {"__type__": "interval", "every": float(spec), "relative": False}
    if spec.get("type") == "crontab":
        if spec.get("timezone") not in (None, timezone):
            # Written without its zone, it would run in the app's, hours off.
            raise EntryError((entry.name, "timezone"), (
                f"redbeat keeps no time zone per entry: its crontabs run in the app's zone "
                f"({timezone}, the link's source.timezone), not {spec['timezone']}"))
        return {"__type__": "crontab", **{k: spec[k] for k in
                                          ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")}}
    raise EntryError((entry.name, "schedule"), f"redbeat cannot store a {spec.get('type')} schedule")


def _tagged_time(value: datetime) -> dict[str, Any]:
    value = value.astimezone(UTC)
    return {"__type__": "datetime", "year": value.year, "month": value.month, "day": value.day,
            "hour": value.hour, "minute": value.minute, "second": value.second,
            "microsecond": value.microsecond, "timezone": "UTC"}


class RedbeatKeys:
    """One link's redbeat keys."""

    def __init__(self, url: str, prefix: str, timezone: str = "UTC") -> None:
        if redis is None:
            raise LinkUnavailable("reading redbeat needs the redis client: install kairos[celery]")
        self.client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        self.prefix = prefix
        self.timezone = timezone
        self.index = prefix + ":schedule"

    def _fail(self, exc: Exception, what: str) -> LinkUnavailable:
        return LinkUnavailable(f"could not {what} redbeat's keys: {exc.__class__.__name__}: {exc}")

    def read(self) -> list[ExternalEntry]:
        assert redis is not None
        try:
            keys = [k.decode() if isinstance(k, bytes) else str(k)
                    for k in self.client.zrange(self.index, 0, -1)]
            with self.client.pipeline() as pipe:
                for key in keys:
                    pipe.hget(key, "definition")
                definitions = pipe.execute()
        except redis.RedisError as exc:
            raise self._fail(exc, "read") from None
        entries = []
        for key, definition in zip(keys, definitions, strict=True):
            if definition is None:
                continue  # an index entry whose hash is gone: redbeat skips it too
            entries.append(entry_from_definition(key.removeprefix(self.prefix), definition, self.timezone))
        return entries

    def write(self, upsert: Sequence[tuple[ExternalEntry, datetime | None]], delete: Sequence[str],
              now: datetime) -> None:
        """Save entries (with their next run as the index score) and delete others, by name."""
        assert redis is not None
        try:
            with self.client.pipeline() as pipe:
                for name in delete:
                    pipe.zrem(self.index, self.prefix + name)
                    pipe.delete(self.prefix + name)
                for entry, next_run in upsert:
                    key = self.prefix + entry.name
                    definition = {"name": entry.name, "task": entry.task, "args": entry.args,
                                  "kwargs": entry.kwargs, "options": entry.options,
                                  "schedule": _tagged_schedule(entry, self.timezone), "enabled": entry.enabled}
                    pipe.hset(key, "definition", json.dumps(definition))
                    pipe.hsetnx(key, "meta", json.dumps({"last_run_at": _tagged_time(now)}))
                    pipe.zadd(self.index, {key: (next_run or now).timestamp()})
                pipe.execute()
        except redis.RedisError as exc:
            raise self._fail(exc, "write") from None

    def close(self) -> None:
        self.client.close()
