"""Print a Celery app's beat_schedule in Celery's JSON shape (SPEC 8). Run only as a subprocess.

`python dump_app.py package.module:app` imports the user's own code, so Kairos never runs this
in its server process: `app_source.py` starts it with a timeout, in the directory the link
names, with the interpreter the link names. It imports nothing from Kairos, so that interpreter
needs only the app and Celery.
"""

import importlib
import json
import sys
from datetime import timedelta
from typing import Any

MARKER = "KAIROS-BEAT-SCHEDULE:"


def _schedule(value: Any, timezone: str) -> Any:
    from celery.schedules import crontab, schedule, solar

    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool):
        return {"type": "bool"}
    if isinstance(value, int | float):
        return value
    if isinstance(value, crontab):
        return {"type": "crontab", "minute": value._orig_minute, "hour": value._orig_hour,
                "day_of_week": value._orig_day_of_week, "day_of_month": value._orig_day_of_month,
                "month_of_year": value._orig_month_of_year, "timezone": timezone}
    if isinstance(value, solar):
        return {"type": "solar", "event": value.event, "lat": value.lat, "lon": value.lon}
    if isinstance(value, schedule):
        return value.run_every.total_seconds()
    return {"type": type(value).__name__}


def main(reference: str) -> None:
    sys.path.insert(0, "")
    module_name, _, attribute = reference.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in (attribute or "app").split("."):
        target = getattr(target, part)
    conf = target.conf
    timezone = str(conf.timezone or "UTC")
    entries = {}
    for name, entry in dict(conf.beat_schedule or {}).items():
        entries[str(name)] = {
            "task": entry.get("task"), "schedule": _schedule(entry.get("schedule"), timezone),
            "args": list(entry.get("args") or ()), "kwargs": dict(entry.get("kwargs") or {}),
            "options": dict(entry.get("options") or {}),
        }
    print(MARKER + json.dumps(entries, default=repr))  # noqa: T201 - stdout is how it answers


if __name__ == "__main__":
    main(sys.argv[1])
