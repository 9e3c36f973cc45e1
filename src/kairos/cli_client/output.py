"""How answers are shown: rich tables for people, the server's JSON as is with `--json`."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table

# Piped output has no terminal width; 80 columns would wrap every table row that holds an id.
PIPE_WIDTH = 160
ID_COLUMNS = frozenset({"ID", "Job", "Schedule"})
STYLES = {
    "completed": "green", "succeeded": "green", "active": "green", "running": "cyan",
    "pending": "dim", "failed": "red", "cancelled": "yellow", "paused": "yellow", "skipped": "dim",
    "disabled": "dim",
}


def console(*, stderr: bool = False) -> Console:
    made = Console(stderr=stderr, highlight=False)
    if not made.is_terminal and "COLUMNS" not in os.environ:
        made.width = PIPE_WIDTH
    return made


class Output:
    """stdout for answers, stderr for notes and errors; `as_json` prints raw JSON instead of tables."""

    def __init__(self, *, as_json: bool = False) -> None:
        self.as_json = as_json
        self.out = console()
        self.err = console(stderr=True)

    def json(self, data: Any) -> None:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))

    def show(self, *renderables: RenderableType) -> None:
        self.out.print(*renderables)

    def note(self, text: str) -> None:
        """A plain line for people (stderr), so that stdout stays clean for the answer itself."""
        self.err.print(text, highlight=False, markup=False)


def text(value: Any) -> str:
    """A cell's text, escaped for rich markup; None is a dash."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return escape(json.dumps(value, ensure_ascii=False))
    return escape(str(value))


def status(value: str | None) -> str:
    style = STYLES.get(value or "", "")
    return f"[{style}]{value}[/]" if style and value else text(value)


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def relative(moment: datetime, now: datetime | None = None) -> str:
    """`in 3h 05m` or `2m 10s ago`."""
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    span = duration(abs(seconds), precise=False)
    return f"in {span}" if seconds >= 0 else f"{span} ago"


def when(value: str | None, *, zone: str | None = None, rel: bool = True,
         compact: bool = False) -> str:
    """An API timestamp for people: UTC, then the given zone's wall time, and how far away it is."""
    moment = parse_time(value)
    if moment is None:
        return "-"
    if compact:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ") + (
            f" ({relative(moment)})" if rel else "")
    notes = [in_zone(moment, zone)] if zone and zone != "UTC" else []
    if rel:
        notes.append(relative(moment))
    return in_zone(moment, "UTC") + (f" ({', '.join(notes)})" if notes else "")


def in_zone(moment: datetime, zone: str | None) -> str:
    """`2026-03-29 09:00:00 CEST`: the wall time in `zone` (UTC if unknown), with its abbreviation."""
    tz: Any = UTC
    if zone and zone != "UTC":
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            tz = UTC
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M:%S ") + (local.tzname() or "UTC")


def duration(seconds: float | None, *, precise: bool = True) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s" if precise else f"{int(seconds)}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def details(rows: Iterable[tuple[str, RenderableType]]) -> Table:
    """A two-column table of field names and values."""
    grid = Table(show_header=False, box=None, pad_edge=False)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for name, value in rows:
        grid.add_row(name, value)
    return grid


def table(*columns: str, title: str | None = None) -> Table:
    """A list table whose id columns never wrap, so that an id can be copied whole."""
    made = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        made.add_column(column, no_wrap=column in ID_COLUMNS)
    return made


def what(item: dict[str, Any]) -> str:
    """What a schedule or job runs, in one phrase."""
    if item.get("task"):
        args = item.get("kwargs") or item.get("args")
        return text(item["task"] + (f" {json.dumps(args, ensure_ascii=False)}" if args else ""))
    if item.get("callback_id"):
        return text(f"{item.get('callback_type') or 'callback'} {item['callback_id']}")
    return text(item.get("kind"))
