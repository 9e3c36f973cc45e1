"""Command-line options to request bodies: JSON values, durations, and `--file` bodies."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import typer

DURATION = re.compile(r"(\d+)\s*([smhdw])")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def json_value(raw: str | None, option: str) -> Any:
    """The value of a JSON option, or None when it was not given."""
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"not valid JSON ({exc.msg}, at character {exc.pos})", param_hint=option) from None


def seconds(raw: str | None, option: str) -> int | None:
    """`90`, `90s`, `5m`, `1h30m`, `2d`: a duration in whole seconds."""
    if raw is None:
        return None
    value = raw.strip().lower()
    if value.isdigit():
        return int(value)
    parts = DURATION.findall(value)
    if not parts or DURATION.sub("", value).strip():
        raise typer.BadParameter(f"{raw!r} is not a duration such as 300, 90s, 5m, 1h30m or 2d",
                                 param_hint=option)
    return sum(int(amount) * UNIT_SECONDS[unit] for amount, unit in parts)


def load_file(path: str | None) -> dict[str, Any]:
    """The JSON object in `path` (`-` is stdin), or an empty body when no file was given."""
    if path is None:
        return {}
    try:
        raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(str(exc), param_hint="--file") from None
    body = json_value(raw, "--file")
    if not isinstance(body, dict):
        raise typer.BadParameter("the body must be a JSON object", param_hint="--file")
    return body


def given(**fields: Any) -> dict[str, Any]:
    """Only the fields that were given on the command line."""
    return {name: value for name, value in fields.items() if value is not None}


def schedule_fields(
    *, name: str | None = None, description: str | None = None, cron: str | None = None,
    timezone: str | None = None, interval: str | None = None, run_at: str | None = None,
    delay: str | None = None, start_at: str | None = None, end_at: str | None = None,
    task: str | None = None, args: str | None = None, kwargs: str | None = None,
    callback_type: str | None = None, callback_id: str | None = None,
    overlap: str | None = None, misfire: str | None = None, jitter: str | None = None,
    webhook_url: str | None = None,
) -> dict[str, Any]:
    """The schedule fields that were given as options, under their API names."""
    return given(
        name=name, description=description, cron_expression=cron, timezone=timezone,
        interval_seconds=seconds(interval, "--interval"), run_at=run_at,
        delay_seconds=seconds(delay, "--delay"), start_at=start_at, end_at=end_at,
        task=task, args=json_value(args, "--args"), kwargs=json_value(kwargs, "--kwargs"),
        callback_type=callback_type, callback_id=callback_id, overlap_policy=overlap,
        misfire_policy=misfire, jitter_seconds=seconds(jitter, "--jitter"), webhook_url=webhook_url,
    )
