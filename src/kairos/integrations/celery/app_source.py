"""A Celery app's beat_schedule, read by importing the app in a separate, time-limited process.

The process gets a minimal environment (`PASSED_ON`, and the link's `env`), never Kairos's own:
the user's code must not read Kairos's database URL or secret key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from kairos.domain.external import ExternalEntry
from kairos.exceptions import LinkUnavailable
from kairos.integrations.celery import dump_app
from kairos.integrations.celery.shapes import EntryError, entries_from_beat_schedule

DUMPER = Path(dump_app.__file__)
# What any program needs to start and find its code: no secret of Kairos's lives there.
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")


def app_environment(source: dict[str, Any]) -> dict[str, str]:
    """The environment the app is imported in: `PASSED_ON` from Kairos's, then the link's `env`."""
    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
    env.update({str(k): str(v) for k, v in (source.get("env") or {}).items()})
    return env


def read_app(source: dict[str, Any]) -> list[ExternalEntry]:
    """Import `source["app"]` in a subprocess and map what its beat_schedule holds."""
    command = [source.get("python") or sys.executable, str(DUMPER), str(source["app"])]
    try:
        done = subprocess.run(command, cwd=source.get("cwd") or None, env=app_environment(source),
                              capture_output=True, text=True, timeout=int(source.get("timeout_seconds") or 20),
                              check=False)
    except subprocess.TimeoutExpired:
        raise LinkUnavailable(f"importing {source['app']} took longer than "
                              f"{source.get('timeout_seconds') or 20} s; it was stopped") from None
    except OSError as exc:
        raise LinkUnavailable(f"could not start {command[0]}: {exc}") from None
    lines = [line for line in done.stdout.splitlines() if line.startswith(dump_app.MARKER)]
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise LinkUnavailable(f"importing {source['app']} failed: {last[:500]}")
    schedule = json.loads(lines[-1].removeprefix(dump_app.MARKER))
    try:
        return entries_from_beat_schedule(schedule)
    except EntryError as exc:
        raise LinkUnavailable(f"the app's beat_schedule has an entry Kairos cannot read: {exc}") from None
