"""`kairos links …`: link Celery beat or APScheduler, then import, diff and resync its schedules."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kairos.cli_client.bodies import json_value, load_file
from kairos.cli_client.output import details, table, text, when
from kairos.cli_client.session import JsonFlag, group, session

app = group("links", "Link external schedulers (Celery beat, APScheduler); import, diff and resync them.")

LinkId = Annotated[str | None, typer.Option("--link", help="Link id (link_…); default: the workspace's only link.")]


@app.command("list")
def list_links(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """The workspace's scheduler links (URLs shown with their passwords masked)."""
    s = session(ctx, as_json)
    page = s.api.collect("/scheduler-links", {"limit": 200}, every=True)
    if s.out.as_json:
        s.out.json(page)
        return
    rows = table("ID", "Name", "Type", "Source", "Writable", "Worker events", "Last sync")
    for link in page["items"]:
        events = link.get("worker_events")
        seen = "-" if events is None else ("seen " + when(events["last_event_at"], compact=True)
                                           if events["seen"] else "[yellow]none yet (-E?)[/]")
        rows.add_row(text(link["id"]), text(link["name"]), text(link["type"]), text(link["source"].get("kind")),
                     "yes" if link["writable"] else "no", seen, when(link.get("last_sync_at"), compact=True))
    s.out.show(rows if page["items"] else "No links.")


@app.command("create")
def create(
    ctx: typer.Context,
    file: Annotated[str | None, typer.Option("--file", "-f", help="The link as JSON (`-` reads stdin).")] = None,
    name: Annotated[str | None, typer.Option(help="The link's name.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="celery-beat | apscheduler.")] = None,
    broker_url: Annotated[str | None, typer.Option(help="Celery broker URL.")] = None,
    source: Annotated[str | None, typer.Option(help='Where the schedule lives, as JSON: {"kind": …}.')] = None,
    as_json: JsonFlag = False,
) -> None:
    """Link a scheduler (from --file, or from the options)."""
    s = session(ctx, as_json)
    body: dict[str, Any] = load_file(file)
    for key, value in (("name", name), ("type", type_), ("broker_url", broker_url),
                       ("source", json_value(source, "--source"))):
        if value is not None:
            body[key] = value
    link = s.api.post("/scheduler-links", body)
    if s.out.as_json:
        s.out.json(link)
        return
    s.out.show(f"Linked [bold]{text(link['name'])}[/] ({text(link['id'])}).")
    if link.get("read_only_reason"):
        s.out.note(link["read_only_reason"])


@app.command("test")
def test(ctx: typer.Context, link_id: Annotated[str, typer.Argument(help="Link id.")],
         as_json: JsonFlag = False) -> None:
    """Read the link's schedule store and reach its broker, changing nothing."""
    s = session(ctx, as_json)
    answer = s.api.post(f"/scheduler-links/{link_id}/test")
    if s.out.as_json:
        s.out.json(answer)
        return
    s.out.show(details([("OK", "yes" if answer["ok"] else "[red]no[/]"), ("Entries", text(answer.get("entries"))),
                        ("Read-only entries", text(answer.get("read_only"))), ("Broker", text(answer.get("broker"))),
                        ("Error", text(answer.get("error")))]))


def _show_diff(s: Any, answer: dict[str, Any], title: str) -> None:
    if s.out.as_json:
        s.out.json(answer)
        return
    rows = table("", "Entry", "Schedule", "Field", "Kairos (before)", "Scheduler (after)", title=title)
    for item in answer["added"]:
        rows.add_row("[green]+[/]", text(item["name"]), "-", "", "", text(item.get("cron_expression")
                                                                          or item.get("interval_seconds")
                                                                          or item.get("trigger_description")))
    for item in answer["removed"]:
        rows.add_row("[red]-[/]", text(item["name"]), text(item.get("schedule_id")), "", "", "")
    for item in answer["changed"]:
        for field in item["before"]:
            rows.add_row("[yellow]~[/]", text(item["name"]), text(item["schedule_id"]), field,
                         text(item["before"][field]), text(item["after"][field]))
    nothing = not (answer["added"] or answer["removed"] or answer["changed"])
    s.out.show(f"In sync ({answer['unchanged']} unchanged)." if nothing else rows)
    for item in answer.get("read_only") or []:
        s.out.note(f"{item['name']}: read-only in Kairos ({item['reason']})")


@app.command("import")
def import_(ctx: typer.Context, link: LinkId = None, as_json: JsonFlag = False) -> None:
    """Materialise the scheduler's schedules in Kairos (adds and updates, removes nothing)."""
    s = session(ctx, as_json)
    _show_diff(s, s.api.post("/schedules:import", {"link_id": link}), "Imported")


@app.command("diff")
def diff(ctx: typer.Context, link: LinkId = None, as_json: JsonFlag = False) -> None:
    """How Kairos's copies differ from the scheduler (writes nothing)."""
    s = session(ctx, as_json)
    _show_diff(s, s.api.post("/schedules:diff", {"link_id": link}), "Diff")


@app.command("resync")
def resync(
    ctx: typer.Context,
    direction: Annotated[str, typer.Argument(help="from_scheduler (Kairos takes the scheduler's side) or "
                                                  "to_scheduler (the scheduler takes Kairos's).")],
    link: LinkId = None,
    as_json: JsonFlag = False,
) -> None:
    """Make one side match the other."""
    if direction not in ("from_scheduler", "to_scheduler"):
        raise typer.BadParameter("from_scheduler or to_scheduler", param_hint="DIRECTION")
    s = session(ctx, as_json)
    _show_diff(s, s.api.post("/schedules:resync", {"link_id": link, "direction": direction}), f"Resynced {direction}")
