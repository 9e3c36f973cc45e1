"""`kairos schedules …`: list, read, change and fire schedules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.table import Table

from kairos.cli_client import schedule_edit
from kairos.cli_client.follow import follow
from kairos.cli_client.output import details, status, table, text, what, when
from kairos.cli_client.session import JsonFlag, Session, group, session

app = group("schedules", "Create, list, change, preview and trigger schedules.")

ScheduleId = Annotated[str, typer.Argument(help="Schedule id (sched_…).")]
Limit = Annotated[int, typer.Option(min=1, max=200, help="Items per page.")]
ACTIONS = {
    "enable": "Enable: fires resume from now, with no burst of missed ones.",
    "disable": "Disable: no more fires until enabled.",
    "pause": "Pause the schedule (status paused).",
    "resume": "Resume a paused schedule from now.",
}


@app.command("list")
def list_schedules(
    ctx: typer.Context,
    status_: Annotated[str | None, typer.Option(
        "--status", help="active | paused | completed.")] = None,
    enabled: Annotated[bool | None, typer.Option(
        "--enabled/--disabled", help="Only enabled, or only disabled, schedules.",
        show_default=False)] = None,
    kind: Annotated[str | None, typer.Option(help="task | callback | scrape | reddit.")] = None,
    type_: Annotated[str | None, typer.Option(
        "--type", help="Trigger type: cron | interval | once | delayed.")] = None,
    q: Annotated[str | None, typer.Option("--q", help="Search names and targets.")] = None,
    limit: Limit = 50,
    every: Annotated[bool, typer.Option("--all", help="Fetch every page.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List schedules, newest first."""
    s = session(ctx, as_json)
    params = {"status": status_, "enabled": None if enabled is None else str(enabled).lower(),
              "kind": kind, "trigger_type": type_, "q": q, "limit": limit}
    page = s.api.collect("/schedules", params, every=every)
    if s.out.as_json:
        s.out.json(page)
        return
    rows = table("ID", "Name", "Kind", "When", "Status", "Enabled", "Next run", "Runs")
    for item in page["items"]:
        rows.add_row(text(item["id"]), text(item["name"]), text(item["kind"]),
                     text(item["schedule_description"]), status(item["status"]),
                     text(item["enabled"]), when(item.get("next_run_at"), compact=True),
                     str(item["run_count"]))
    s.out.show(rows if page["items"] else "No schedules.")
    _more(s, page)


@app.command("get")
def get(ctx: typer.Context, schedule_id: ScheduleId, as_json: JsonFlag = False) -> None:
    """A schedule's details and its recent fires."""
    s = session(ctx, as_json)
    item = s.api.get(f"/schedules/{schedule_id}")
    if s.out.as_json:
        s.out.json(item)
        return
    zone = item.get("timezone")
    s.out.show(f"[bold]Schedule {text(item['id'])}[/]", details(_rows(item, zone)))
    fires = item.get("recent_fires") or []
    s.out.show(_fires_table(fires, "Recent fires") if fires else "No fires yet.")


app.command("create")(schedule_edit.create)
app.command("update")(schedule_edit.update)
app.command("preview")(schedule_edit.preview)


@app.command("delete")
def delete(
    ctx: typer.Context, schedule_id: ScheduleId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Delete a schedule and its fire history (asks first unless --yes)."""
    s = session(ctx, as_json)
    if not yes:
        item = s.api.get(f"/schedules/{schedule_id}")
        typer.confirm(f"Delete schedule {item['name']!r} ({schedule_id}) and its fire history?",
                      abort=True, err=True)
    answer = s.api.delete(f"/schedules/{schedule_id}")
    if s.out.as_json:
        s.out.json(answer)
    else:
        s.out.show(f"Deleted schedule {text(schedule_id)}")


def _action(action: str) -> Callable[..., None]:
    def command(ctx: typer.Context, schedule_id: ScheduleId, as_json: JsonFlag = False) -> None:
        s = session(ctx, as_json)
        item = s.api.post(f"/schedules/{schedule_id}/{action}")
        if s.out.as_json:
            s.out.json(item)
            return
        upcoming = item.get("next_run_at")
        s.out.show(f"Schedule {text(item['id'])}: {status(item['status'])}, "
                   f"{'enabled' if item['enabled'] else 'disabled'}, next run "
                   f"{when(upcoming, zone=item.get('timezone')) if upcoming else 'none'}")

    command.__doc__ = ACTIONS[action]
    return command


for _name in ACTIONS:
    app.command(_name)(_action(_name))


@app.command("trigger")
def trigger(
    ctx: typer.Context, schedule_id: ScheduleId,
    follow_: Annotated[bool, typer.Option("--follow", help="Watch the job until it ends.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Run the schedule's work now, paused or not."""
    s = session(ctx, as_json)
    job = s.api.post(f"/schedules/{schedule_id}/trigger")
    if follow_:
        if not s.out.as_json:
            s.out.note(f"Triggered {schedule_id}: job {job['id']}")
        follow(s, job["id"])
    if s.out.as_json:
        s.out.json(job)
    else:
        s.out.show(f"Triggered {text(schedule_id)}: job [bold]{text(job['id'])}[/] "
                   f"{status(job['status'])}")


@app.command("fires")
def fires(ctx: typer.Context, schedule_id: ScheduleId, limit: Limit = 50,
          every: Annotated[bool, typer.Option("--all", help="Fetch every page.")] = False,
          as_json: JsonFlag = False) -> None:
    """The schedule's fire history, newest first."""
    s = session(ctx, as_json)
    page = s.api.collect(f"/schedules/{schedule_id}/fires", {"limit": limit}, every=every)
    if s.out.as_json:
        s.out.json(page)
        return
    s.out.show(_fires_table(page["items"]) if page["items"] else "No fires yet.")
    _more(s, page)


def _rows(item: dict[str, Any], zone: str | None) -> list[tuple[str, str]]:
    trigger = {
        "cron": f"cron {item.get('cron_expression')} in {zone}",
        "interval": f"every {item.get('interval_seconds')} s",
        "once": f"once at {when(item.get('run_at'), zone=zone, rel=False)}",
        "delayed": f"{item.get('delay_seconds')} s after creation",
    }.get(item["trigger_type"], item["trigger_type"])
    rows = [
        ("Name", text(item["name"])),
        ("Description", text(item.get("description"))),
        ("Kind", text(item["kind"])),
        ("What", what(item)),
        ("When", text(item["schedule_description"])),
        ("Trigger", text(trigger)),
        ("Status", status(item["status"])),
        ("Enabled", text(item["enabled"])),
        ("Next run", when(item.get("next_run_at"), zone=zone)),
        ("Last run", when(item.get("last_run_at"), zone=zone)),
        ("Runs", str(item["run_count"])),
        ("Overlap", text(item.get("overlap_policy"))),
        ("Misfire", text(item.get("misfire_policy"))),
        ("Jitter", f"{item.get('jitter_seconds', 0)} s"),
        ("Webhook", text(item.get("webhook_url"))),
        ("Scheduler", text(item.get("scheduler"))),
        ("Created", when(item.get("created_at"))),
        ("Updated", when(item.get("updated_at"))),
    ]
    return [(name, value) for name, value in rows if name != "Description" or value != "-"]


def _fires_table(fires: list[dict[str, Any]], title: str | None = None) -> Table:
    rows = table("ID", "Scheduled for", "Fired at", "Status", "Trigger", "Job", title=title)
    for fire in fires:
        rows.add_row(text(fire["id"]), when(fire.get("scheduled_for"), compact=True),
                     when(fire.get("fired_at"), compact=True, rel=False), status(fire["status"]),
                     text(fire["trigger"]), text(fire.get("job_id")))
    return rows


def _more(s: Session, page: dict[str, Any]) -> None:
    if page.get("has_more"):
        s.out.note(f"Showing {len(page['items'])} of {page['total']}; "
                   "pass --all, or a larger --limit, for the rest.")
