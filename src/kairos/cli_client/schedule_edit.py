"""`kairos schedules create | update | preview`: schedule fields from options or a JSON file."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kairos.cli_client.bodies import given, load_file, schedule_fields
from kairos.cli_client.output import details, in_zone, parse_time, relative, table, text, when
from kairos.cli_client.session import JsonFlag, Session, session

Name = Annotated[str | None, typer.Option(help="Schedule name.")]
Description = Annotated[str | None, typer.Option(help="Free text about the schedule.")]
Cron = Annotated[str | None, typer.Option(
    "--cron", help="Cron expression: 5 fields (6 with seconds), MON-FRI, L, #, @daily…")]
Timezone = Annotated[str | None, typer.Option(help="IANA zone the cron expression runs in.")]
Interval = Annotated[str | None, typer.Option(help="Fire every …: 300, 90s, 5m, 1h30m.")]
RunAt = Annotated[str | None, typer.Option(help="Fire once at this RFC 3339 time (Z or offset).")]
Delay = Annotated[str | None, typer.Option(help="Fire once after this long: 3600, 1h.")]
StartAt = Annotated[str | None, typer.Option(help="No fires before this time (RFC 3339).")]
EndAt = Annotated[str | None, typer.Option(help="No fires after this time (RFC 3339).")]
Task = Annotated[str | None, typer.Option(help="Registered task name, e.g. kairos.sleep.")]
Args = Annotated[str | None, typer.Option(help="Task arguments: a JSON list.")]
Kwargs = Annotated[str | None, typer.Option(help="Task keyword arguments: a JSON object.")]
CallbackType = Annotated[str | None, typer.Option(help="workflow | http.")]
CallbackId = Annotated[str | None, typer.Option(help="Workflow name, or URL for http.")]
Overlap = Annotated[str | None, typer.Option(
    "--overlap", help="While a run is running: skip | allow | queue_one | cancel_previous.")]
Misfire = Annotated[str | None, typer.Option(
    "--misfire", help="Fires missed while down: run_once | skip | run_all.")]
Jitter = Annotated[str | None, typer.Option("--jitter", help="Random delay of up to …: 30, 2m.")]
WebhookUrl = Annotated[str | None, typer.Option(help="Where to POST each job's outcome.")]
File = Annotated[str | None, typer.Option(
    "--file", "-f", help="A JSON body (`-` reads stdin); options given as well override it.")]


def create(
    ctx: typer.Context, name: Name = None, description: Description = None, cron: Cron = None,
    timezone: Timezone = None, interval: Interval = None, run_at: RunAt = None,
    delay: Delay = None, start_at: StartAt = None, end_at: EndAt = None, task: Task = None,
    args: Args = None, kwargs: Kwargs = None, callback_type: CallbackType = None,
    callback_id: CallbackId = None, overlap: Overlap = None, misfire: Misfire = None,
    jitter: Jitter = None, webhook_url: WebhookUrl = None, file: File = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a schedule: when (--cron/--interval/--run-at/--delay) and what (--task or --callback-*)."""
    s = session(ctx, as_json)
    body = load_file(file) | schedule_fields(
        name=name, description=description, cron=cron, timezone=timezone, interval=interval,
        run_at=run_at, delay=delay, start_at=start_at, end_at=end_at, task=task, args=args,
        kwargs=kwargs, callback_type=callback_type, callback_id=callback_id, overlap=overlap,
        misfire=misfire, jitter=jitter, webhook_url=webhook_url)
    if not body:
        raise typer.BadParameter("give the schedule's fields as options or with --file")
    created = s.api.post("/schedules", body)
    _saved(s, created, "Created")
    if created.get("webhook_secret") and not s.out.as_json:
        s.out.show(f"Webhook secret (shown only now): {text(created['webhook_secret'])}")


def update(
    ctx: typer.Context, schedule_id: Annotated[str, typer.Argument(help="Schedule id.")],
    name: Name = None, description: Description = None, cron: Cron = None,
    timezone: Timezone = None, interval: Interval = None, run_at: RunAt = None,
    delay: Delay = None, start_at: StartAt = None, end_at: EndAt = None, task: Task = None,
    args: Args = None, kwargs: Kwargs = None, callback_type: CallbackType = None,
    callback_id: CallbackId = None, overlap: Overlap = None, misfire: Misfire = None,
    jitter: Jitter = None, webhook_url: WebhookUrl = None, file: File = None,
    as_json: JsonFlag = False,
) -> None:
    """Change only the fields given; a new trigger recomputes the next run."""
    s = session(ctx, as_json)
    body = load_file(file) | schedule_fields(
        name=name, description=description, cron=cron, timezone=timezone, interval=interval,
        run_at=run_at, delay=delay, start_at=start_at, end_at=end_at, task=task, args=args,
        kwargs=kwargs, callback_type=callback_type, callback_id=callback_id, overlap=overlap,
        misfire=misfire, jitter=jitter, webhook_url=webhook_url)
    if not body:
        raise typer.BadParameter("nothing to change: give at least one option or --file")
    _saved(s, s.api.patch(f"/schedules/{schedule_id}", body), "Updated")


def preview(
    ctx: typer.Context,
    schedule_id: Annotated[str | None, typer.Argument(help="A saved schedule's id.")] = None,
    cron: Cron = None, timezone: Timezone = None, interval: Interval = None,
    run_at: RunAt = None, delay: Delay = None, start_at: StartAt = None, end_at: EndAt = None,
    count: Annotated[int, typer.Option(min=1, max=100, help="How many times to show.")] = 5,
    after: Annotated[str | None, typer.Option(
        help="Unsaved triggers: times after this instant (default now).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The next fire times of a saved schedule (ID) or of trigger options, in UTC and local time."""
    s = session(ctx, as_json)
    trigger = schedule_fields(cron=cron, timezone=timezone, interval=interval, run_at=run_at,
                              delay=delay, start_at=start_at, end_at=end_at)
    if schedule_id and (trigger or after):
        raise typer.BadParameter("give either a schedule id or trigger options, not both")
    if schedule_id:
        answer = s.api.get(f"/schedules/{schedule_id}/preview", {"count": count})
    elif trigger:
        answer = s.api.post("/schedules:preview", trigger | {"count": count} | given(after=after))
    else:
        raise typer.BadParameter("give a schedule id, or --cron, --interval, --run-at or --delay")
    if s.out.as_json:
        s.out.json(answer)
        return
    zone = str(answer.get("timezone") or "UTC")
    s.out.show(f"[bold]{text(answer['description'])}[/]")
    columns = ["#", "UTC"] + ([zone] if zone != "UTC" else []) + ["From now"]
    times = table(*columns)
    for index, value in enumerate(answer["items"], start=1):
        moment = parse_time(value)
        assert moment is not None
        local = [in_zone(moment, zone)] if zone != "UTC" else []
        times.add_row(str(index), in_zone(moment, "UTC"), *local, relative(moment))
    s.out.show(times if answer["items"] else "It will not fire again.")


def _saved(s: Session, schedule: dict[str, Any], verb: str) -> None:
    if s.out.as_json:
        s.out.json(schedule)
        return
    s.out.show(f"{verb} schedule [bold]{text(schedule['id'])}[/]")
    zone = schedule.get("timezone")
    s.out.show(details([
        ("Name", text(schedule.get("name"))),
        ("When", text(schedule.get("schedule_description"))),
        ("Next run", when(schedule.get("next_run_at"), zone=zone)),
        ("Status", text(schedule.get("status"))),
    ]))
