"""`kairos jobs …`: run something once, watch it, cancel it, read its results."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from kairos.cli_client.bodies import given, json_value, load_file
from kairos.cli_client.follow import follow, progress_text, snapshot
from kairos.cli_client.output import details, duration, status, table, text, what, when
from kairos.cli_client.session import JsonFlag, group, session

app = group("jobs", "Run one-off jobs, follow their progress, cancel them, read their results.")

JobId = Annotated[str, typer.Argument(help="Job id (job_…).")]
Follow = Annotated[bool, typer.Option("--follow", help="Watch the job until it ends.")]


@app.command("list")
def list_jobs(
    ctx: typer.Context,
    status_: Annotated[str | None, typer.Option(
        "--status", help="pending | running | completed | failed | cancelled.")] = None,
    kind: Annotated[str | None, typer.Option(help="task | callback | scrape | reddit.")] = None,
    schedule: Annotated[str | None, typer.Option(help="Only this schedule's jobs.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Items per page.")] = 50,
    every: Annotated[bool, typer.Option("--all", help="Fetch every page.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List jobs, newest first."""
    s = session(ctx, as_json)
    params = {"status": status_, "kind": kind, "schedule_id": schedule, "limit": limit}
    page = s.api.collect("/jobs", params, every=every)
    if s.out.as_json:
        s.out.json(page)
        return
    rows = table("ID", "What", "Status", "Progress", "Created", "Duration", "Schedule")
    for job in page["items"]:
        rows.add_row(text(job["id"]), what(job), status(job["status"]), _progress(job),
                     when(job.get("created_at"), compact=True), duration(job.get("duration_seconds")),
                     text(job.get("schedule_id")))
    s.out.show(rows if page["items"] else "No jobs.")
    if page.get("has_more"):
        s.out.note(f"Showing {len(page['items'])} of {page['total']}; pass --all for the rest.")


@app.command("get")
def get(ctx: typer.Context, job_id: JobId, as_json: JsonFlag = False) -> None:
    """A job's details, live progress, error and result."""
    s = session(ctx, as_json)
    job = s.api.get(f"/jobs/{job_id}")
    if s.out.as_json:
        s.out.json(job)
        return
    rows = [
        ("Status", status(job["status"])),
        ("Kind", text(job["kind"])),
        ("What", what(job)),
        ("Schedule", text(job.get("schedule_id"))),
        ("Trigger", text(job.get("trigger"))),
        ("Progress", _progress(job)),
        ("Attempt", f"{job.get('attempt')} of {job.get('max_attempts')}"),
        ("Created", when(job.get("created_at"))),
        ("Started", when(job.get("started_at"))),
        ("Completed", when(job.get("completed_at"))),
        ("Duration", duration(job.get("duration_seconds"))),
        ("Items", text(job.get("item_count"))),
        ("Error", f"[red]{text(job['error_message'])}[/]" if job.get("error_message") else "-"),
    ]
    if job.get("result") is not None:
        rows.append(("Result", text(_short(job["result"]))))
    s.out.show(f"[bold]Job {text(job['id'])}[/]", details(rows))


@app.command("create")
def create(
    ctx: typer.Context,
    task: Annotated[str | None, typer.Option(help="Registered task name, e.g. kairos.sleep.")] = None,
    args: Annotated[str | None, typer.Option(help="Task arguments: a JSON list.")] = None,
    kwargs: Annotated[str | None, typer.Option(help="Task keyword arguments: a JSON object.")] = None,
    callback_type: Annotated[str | None, typer.Option(help="workflow | http.")] = None,
    callback_id: Annotated[str | None, typer.Option(help="Workflow name, or URL for http.")] = None,
    reddit: Annotated[str | None, typer.Option(
        "--reddit", help="Scrape this subreddit (or, with --user, this user's posts).")] = None,
    user: Annotated[bool, typer.Option("--user", help="--reddit names a user, not a subreddit.")] = False,
    mode: Annotated[str | None, typer.Option(help="Reddit: full | history | monitor.")] = None,
    limit: Annotated[int | None, typer.Option(help="Reddit: how many posts (1-10000).")] = None,
    no_media: Annotated[bool, typer.Option("--no-media", help="Reddit: do not download media.")] = False,
    no_comments: Annotated[bool, typer.Option("--no-comments", help="Reddit: skip comments.")] = False,
    plugin: Annotated[list[str] | None, typer.Option(help="Reddit: a plugin to run on each post (repeat).")] = None,
    timeout: Annotated[int | None, typer.Option(help="Stop the job after this many seconds.")] = None,
    file: Annotated[str | None, typer.Option(
        "--file", "-f", help="A JSON body (`-` reads stdin); options given as well override it.")
    ] = None,
    follow_: Follow = False,
    as_json: JsonFlag = False,
) -> None:
    """Run something once, now."""
    s = session(ctx, as_json)
    body = load_file(file) | given(
        task=task, args=json_value(args, "--args"), kwargs=json_value(kwargs, "--kwargs"),
        callback_type=callback_type, callback_id=callback_id, timeout_seconds=timeout)
    if reddit is not None:
        body |= given(target=reddit, target_type="user" if user else "subreddit", mode=mode, limit=limit,
                      download_media=False if no_media else None, scrape_comments=False if no_comments else None,
                      plugins=plugin or None)
    if not body:
        raise typer.BadParameter("say what to run: --task, --callback-type/--callback-id, --reddit or --file")
    job = s.api.post("/jobs", body)
    if follow_:
        if not s.out.as_json:
            s.out.note(f"Created job {job['id']}")
        follow(s, job["id"])
    if s.out.as_json:
        s.out.json(job)
    else:
        s.out.show(f"Created job [bold]{text(job['id'])}[/] {status(job['status'])}")


@app.command("follow")
def follow_job(ctx: typer.Context, job_id: JobId, as_json: JsonFlag = False) -> None:
    """Show a live progress bar until the job ends; exit 0 if it completed, 1 if not."""
    follow(session(ctx, as_json), job_id)


@app.command("cancel")
def cancel(ctx: typer.Context, job_id: JobId, as_json: JsonFlag = False) -> None:
    """Cancel a pending or running job (an error if it has already finished)."""
    s = session(ctx, as_json)
    job = s.api.delete(f"/jobs/{job_id}")
    if s.out.as_json:
        s.out.json(job)
    else:
        s.out.show(f"Job {text(job['id'])} {status(job['status'])}")


@app.command("results")
def results(
    ctx: typer.Context, job_id: JobId,
    format_: Annotated[str, typer.Option("--format", help="json | ndjson | csv.")] = "json",
) -> None:
    """The job's result items, as the server sends them."""
    s = session(ctx)
    response = s.api.send("GET", f"/jobs/{job_id}/results", params={"format": format_})
    if format_ == "json":
        s.out.json(response.json())
    else:
        typer.echo(response.text, nl=False)


def _progress(job: dict[str, Any]) -> str:
    return text(progress_text(snapshot(job)) or None)


def _short(value: Any, limit: int = 500) -> str:
    raw = json.dumps(value, ensure_ascii=False)
    return raw if len(raw) <= limit else raw[:limit] + "…"
