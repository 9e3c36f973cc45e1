"""`--follow`: watch a job's live progress until it finishes; the exit code is its outcome."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NoReturn

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from kairos.cli_client.output import duration, parse_time, status
from kairos.cli_client.session import Session

FINISHED = frozenset({"completed", "failed", "cancelled"})
POLL_SECONDS = 0.5
Snapshot = tuple[str, float | None, float | None, str]


def snapshot(job: dict[str, Any]) -> Snapshot:
    """The job's status, `current` of `total`, and message, from its `progress` counters."""
    progress = job.get("progress") or {}
    current, total = progress.get("current"), progress.get("total")
    if total is None and progress.get("percent") is not None:
        current, total = progress["percent"], 100
    return str(job.get("status")), current, total, str(progress.get("message") or "")


def progress_text(shot: Snapshot) -> str:
    """`1/2 (50%) sleeping`, or just the message when there are no counters."""
    _, current, total, message = shot
    counted = ""
    if current is not None and total:
        counted = f"{current:g}/{total:g} ({100 * float(current) / float(total):.0f}%)"
    return f"{counted} {message}".strip()


def progress_line(job_id: str, shot: Snapshot) -> str:
    return f"{job_id} {shot[0]} {progress_text(shot)}".rstrip()


def follow(session: Session, job_id: str) -> NoReturn:
    """Poll the job about twice a second until it finishes, then say how it ended and exit."""
    out = session.out
    try:
        if out.as_json:
            job = _poll(session, job_id, lambda _: None)
        elif out.err.is_terminal:
            job = _with_bar(session, job_id)
        else:
            job = _with_lines(session, job_id)
    except KeyboardInterrupt:
        out.note(f"Stopped following; {job_id} goes on. Cancel it with `kairos jobs cancel {job_id}`.")
        raise typer.Exit(130) from None
    if out.as_json:
        out.json(job)
    else:
        _summary(session, job)
    raise typer.Exit(0 if job["status"] == "completed" else 1)


def _poll(session: Session, job_id: str, show: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    while True:
        job: dict[str, Any] = session.api.get(f"/jobs/{job_id}")
        show(job)
        if job["status"] in FINISHED:
            return job
        time.sleep(POLL_SECONDS)


def _with_lines(session: Session, job_id: str) -> dict[str, Any]:
    """Without a terminal, one line each time the progress changes (logs and pipes stay readable)."""
    last: list[Snapshot] = []

    def show(job: dict[str, Any]) -> None:
        shot = snapshot(job)
        if not last or shot != last[-1]:
            session.out.note(progress_line(job_id, shot))
            last.append(shot)

    return _poll(session, job_id, show)


def _with_bar(session: Session, job_id: str) -> dict[str, Any]:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               MofNCompleteColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=session.out.err) as bar:
        task = bar.add_task(job_id, total=None)

        def show(job: dict[str, Any]) -> None:
            state, current, total, message = snapshot(job)
            if state == "completed" and total:
                current = total
            bar.update(task, description=f"{status(state)} {escape(message)}".rstrip(),
                       total=total, completed=current or 0)

        return _poll(session, job_id, show)


def _summary(session: Session, job: dict[str, Any]) -> None:
    took = job.get("duration_seconds")
    if took is None:
        started, ended = parse_time(job.get("started_at")), parse_time(job.get("completed_at"))
        took = (ended - started).total_seconds() if started and ended else None
    verb = "in" if job["status"] == "completed" else "after"
    tail = f" {verb} {duration(took)}" if took is not None else ""
    session.out.show(f"Job {escape(job['id'])} {status(job['status'])}{tail}")
    if job.get("posts_scraped") is not None:
        session.out.show(f"{job['posts_scraped']} posts, {job.get('comments_scraped') or 0} comments, "
                         f"{job.get('media_downloaded') or 0} media files")
    if job.get("error_message"):
        session.out.show(f"[red]Error:[/] {escape(str(job['error_message']))}")
