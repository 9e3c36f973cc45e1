"""From the fields a user sent to a valid `Schedule` (create) or a changed one (update).

Input arrives already un-aliased (the API schemas map `is_active`, `type`, `next_run`…) as a
dict of only the fields that were sent. Every problem is reported as an `InvalidInput` naming
the field, never as a crash.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from kairos.domain.describe import celery_to_cron
from kairos.domain.jobs import Job, JobStatus
from kairos.domain.payloads import FieldErrors, KindRulebook
from kairos.domain.schedules import (
    Kind,
    MisfirePolicy,
    OverlapPolicy,
    Schedule,
    ScheduleStatus,
    TriggerType,
    cron_trigger,
    first_run,
    next_run_after,
    rearm,
    set_enabled,
    set_paused,
)
from kairos.domain.triggers import CronTrigger, TriggerError, load_zone, next_fire
from kairos.domain.webhooks import WEBHOOK_FIELDS, webhook_columns
from kairos.exceptions import InvalidInput

# Ten years: beyond it nobody means it, and it still fits a 32-bit integer column.
MAX_SECONDS = 10 * 366 * 86400
TRIGGER_FIELDS = frozenset({
    "trigger_type", "cron_expression", "trigger", "timezone", "interval_seconds", "run_at",
    "delay_seconds", "start_at", "end_at",
})
# Who decides a schedule's fires: Kairos, or a linked external scheduler (SPEC 8). Whether the
# workspace has that link is checked where links are known (the API), not here.
SCHEDULERS = ("kairos", "celery-beat", "apscheduler")
POLICY_FIELDS = ("jitter_seconds", "misfire_policy", "misfire_grace_seconds", "overlap_policy",
                 "max_attempts", "retry_delay_seconds", "timeout_seconds")


@dataclasses.dataclass(frozen=True)
class Limits:
    min_interval_seconds: int = 60
    allow_private_networks: bool = False


def infer_trigger_type(values: Mapping[str, Any]) -> TriggerType | None:
    if values.get("trigger_type") is not None:
        try:
            return TriggerType(values["trigger_type"])
        except ValueError:
            raise InvalidInput.field(
                "trigger_type", "must be one of cron, interval, once, delayed") from None
    present = []
    if values.get("cron_expression") is not None or values.get("trigger") is not None:
        present.append(TriggerType.CRON)
    if values.get("interval_seconds") is not None:
        present.append(TriggerType.INTERVAL)
    if values.get("run_at") is not None:
        present.append(TriggerType.ONCE)
    if values.get("delay_seconds") is not None:
        present.append(TriggerType.DELAYED)
    if len(present) > 1:
        raise InvalidInput.field("trigger_type", "fields of several trigger types were sent: "
                                 + ", ".join(map(str, present)))
    return present[0] if present else None


def _int_field(values: Mapping[str, Any], name: str, errors: FieldErrors, *, minimum: int,
               maximum: int | None = None) -> None:
    value = values.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(name, "must be an integer")
    elif value < minimum:
        errors.add(name, f"must be at least {minimum}")
    elif maximum is not None and value > maximum:
        errors.add(name, f"must be at most {maximum}")


def _check_trigger(values: dict[str, Any], trigger_type: TriggerType, limits: Limits,
                   errors: FieldErrors) -> None:
    """Validate the *when*, filling in derived fields (cron text from a Celery object)."""
    try:
        load_zone(values.get("timezone") or "UTC")
    except TriggerError as exc:
        errors.add(exc.field, exc.message)
        return
    if trigger_type == TriggerType.EXTERNAL:
        if (values.get("scheduler") or "kairos") == "kairos":
            errors.add("trigger_type", "must be one of cron, interval, once, delayed")
        return
    if trigger_type == TriggerType.CRON:
        expression, crontab = values.get("cron_expression"), values.get("trigger")
        if crontab is not None:
            if not isinstance(crontab, dict):
                errors.add("trigger", "must be an object with minute, hour, day_of_week, "
                                      "day_of_month and month_of_year")
                return
            try:
                from_crontab = celery_to_cron(crontab)
            except TriggerError as exc:
                errors.add(exc.field, exc.message)
                return
            if expression is not None and " ".join(str(expression).split()) != from_crontab:
                errors.add("trigger", "disagrees with cron_expression; send one of them")
                return
            expression = from_crontab
        if not isinstance(expression, str) or not expression.strip():
            errors.add("cron_expression", "a cron expression (or a Celery `trigger` object) is "
                                          "required for trigger_type cron")
            return
        try:
            trigger = cron_trigger(expression, values.get("timezone") or "UTC")
        except TriggerError as exc:
            field = "trigger" if crontab is not None and exc.field == "cron_expression" else exc.field
            errors.add(field, exc.message)
            return
        values["cron_expression"] = trigger.expression
        _check_cron_window(trigger, values, errors)
    elif trigger_type == TriggerType.INTERVAL:
        _int_field(values, "interval_seconds", errors, minimum=limits.min_interval_seconds,
                   maximum=MAX_SECONDS)
        if values.get("interval_seconds") is None:
            errors.add("interval_seconds", "is required for trigger_type interval")
    elif trigger_type == TriggerType.ONCE:
        if values.get("run_at") is None:
            errors.add("run_at", "is required for trigger_type once")
    else:
        _int_field(values, "delay_seconds", errors, minimum=0, maximum=MAX_SECONDS)
        if values.get("delay_seconds") is None:
            errors.add("delay_seconds", "is required for trigger_type delayed")
    start, end = values.get("start_at"), values.get("end_at")
    if start is not None and end is not None and end <= start:
        errors.add("end_at", "must be after start_at")


def _check_cron_window(trigger: CronTrigger, values: Mapping[str, Any], errors: FieldErrors) -> None:
    """A start_at/end_at window the expression never fires in is a schedule that can never fire."""
    start, end = values.get("start_at"), values.get("end_at")
    if start is None or end is None or end <= start:
        return
    first = next_fire(trigger, start - timedelta(microseconds=1))
    if first is None or first > end:
        errors.add("end_at", "the cron expression never fires between start_at and end_at")


def _check_policies(values: Mapping[str, Any], errors: FieldErrors) -> None:
    _int_field(values, "jitter_seconds", errors, minimum=0, maximum=86400)
    _int_field(values, "misfire_grace_seconds", errors, minimum=1, maximum=366 * 86400)
    _int_field(values, "max_attempts", errors, minimum=1, maximum=100)
    _int_field(values, "retry_delay_seconds", errors, minimum=1, maximum=86400)
    _int_field(values, "timeout_seconds", errors, minimum=1, maximum=7 * 86400)
    for name, enum in (("misfire_policy", MisfirePolicy), ("overlap_policy", OverlapPolicy)):
        value = values.get(name)
        if value is not None and value not in {m.value for m in enum}:
            errors.add(name, "must be one of " + ", ".join(m.value for m in enum))


def _check_rest(values: Mapping[str, Any], errors: FieldErrors) -> None:
    scheduler = values.get("scheduler") or "kairos"
    if scheduler not in SCHEDULERS:
        errors.add("scheduler", "must be one of " + ", ".join(SCHEDULERS))
    link_id = values.get("link_id")
    if link_id is not None and (not isinstance(link_id, str) or not 1 <= len(link_id) <= 64):
        errors.add("link_id", "must be the id of a scheduler link")
    name = values.get("name")
    if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= 200):
        errors.add("name", "must be 1-200 characters")


def _check_link_id(scheduler: str, link_id: Any, payload: Mapping[str, Any], errors: FieldErrors) -> None:
    """A schedule Kairos runs itself names a link only for its Celery executor (SPEC 8)."""
    if link_id is not None and scheduler == "kairos" and payload.get("executor") != "celery":
        errors.add("link_id", "a schedule that Kairos runs itself (scheduler 'kairos') has no scheduler link; "
                              "link_id names the link of a celery-beat or apscheduler schedule, or the Celery "
                              "link of executor 'celery'")


def _trigger_columns(values: Mapping[str, Any], trigger_type: TriggerType, now: datetime) -> dict[str, Any]:
    run_at = values.get("run_at")
    if trigger_type == TriggerType.DELAYED:
        run_at = now + timedelta(seconds=int(values["delay_seconds"]))
    return {
        "trigger_type": trigger_type,
        "cron_expression": values.get("cron_expression") if trigger_type == TriggerType.CRON else None,
        "timezone": values.get("timezone") or "UTC",
        "interval_seconds": values.get("interval_seconds") if trigger_type == TriggerType.INTERVAL else None,
        "run_at": run_at if trigger_type in (TriggerType.ONCE, TriggerType.DELAYED) else None,
        "delay_seconds": values.get("delay_seconds") if trigger_type == TriggerType.DELAYED else None,
        "start_at": values.get("start_at"),
        "end_at": values.get("end_at"),
    }


def build_schedule(
    values: Mapping[str, Any], *, schedule_id: str, workspace_id: str, now: datetime,
    limits: Limits, kinds: KindRulebook,
) -> Schedule:
    """A new schedule from create fields, with `next_run_at` computed.

    `kinds` holds the *what* rules of every kind this deployment runs (injected: the domain
    does not know the kinds; `kairos.kinds.catalog.KINDS.rulebook` is the usual one).
    """
    errors = FieldErrors()
    fields = dict(values)
    kind = kinds.infer(fields)
    if kind is None:
        errors.add("kind", "say what to run: a `task`, a `callback_type`/`callback_id`, "
                           "or an explicit `kind`")
    trigger_type = infer_trigger_type(fields)
    if trigger_type is None:
        errors.add("trigger_type", "say when to run: `cron_expression`, `trigger`, "
                                   "`interval_seconds`, `run_at` or `delay_seconds`")
    payload = kinds.payload(kind, fields, errors, schedule=True) if kind else {}
    if trigger_type is not None:
        _check_trigger(fields, trigger_type, limits, errors)
    _check_policies(fields, errors)
    _check_rest(fields, errors)
    _check_link_id(fields.get("scheduler") or "kairos", fields.get("link_id"), payload, errors)
    webhook, webhook_errors = webhook_columns(
        fields, None, allow_private_networks=limits.allow_private_networks)
    errors.items += webhook_errors
    errors.raise_if_any()
    assert kind is not None and trigger_type is not None
    policies = {name: fields[name] for name in POLICY_FIELDS if fields.get(name) is not None}
    schedule = Schedule(
        id=schedule_id,
        workspace_id=workspace_id,
        name=fields.get("name") or kinds.default_name(kind, payload),
        description=fields.get("description") or "",
        kind=kind,
        payload=payload,
        **_trigger_columns(fields, trigger_type, now),
        **policies,
        enabled=fields.get("enabled", True) is not False,
        scheduler=fields.get("scheduler") or "kairos",
        link_id=fields.get("link_id"),
        external=dict(fields.get("external") or {}),
        status=ScheduleStatus.PAUSED if fields.get("paused") else ScheduleStatus.ACTIVE,
        **webhook,
        created_at=now,
        updated_at=now,
    )
    return rearm(schedule, now)


def apply_changes(
    schedule: Schedule, changes: Mapping[str, Any], *, now: datetime, limits: Limits,
    kinds: KindRulebook,
) -> Schedule:
    """The schedule with `changes` applied; `next_run_at` moves only if the *when* changed."""
    errors = FieldErrors()
    current: dict[str, Any] = {
        "name": schedule.name, "description": schedule.description, "kind": schedule.kind,
        "trigger_type": schedule.trigger_type, "cron_expression": schedule.cron_expression,
        "timezone": schedule.timezone, "interval_seconds": schedule.interval_seconds,
        "run_at": schedule.run_at, "delay_seconds": schedule.delay_seconds,
        "start_at": schedule.start_at, "end_at": schedule.end_at,
        **{name: getattr(schedule, name) for name in POLICY_FIELDS},
        **schedule.payload,
    }
    # A null kind, trigger type, enabled or paused means "not sent": none of them can be unset.
    changed = {name: value for name, value in changes.items()
               if value is not None or name not in ("kind", "trigger_type", "enabled", "paused")}
    trigger_changed = bool(TRIGGER_FIELDS & set(changed))
    if trigger_changed and "trigger_type" not in changed:
        inferred = infer_trigger_type({k: v for k, v in changed.items() if k != "timezone"})
        if inferred is not None:
            changed["trigger_type"] = inferred
    if "trigger_type" in changed and changed["trigger_type"] != schedule.trigger_type:
        # A new trigger type replaces the old trigger fields rather than mixing with them.
        for name in ("cron_expression", "interval_seconds", "run_at", "delay_seconds"):
            current[name] = None
    if "trigger" in changed:
        current["cron_expression"] = None
    if "kind" not in changed:
        # As for the trigger: the other kind's fields alone switch the kind, never go unheard.
        inferred_kind = kinds.infer(changed)
        if inferred_kind is not None:
            changed["kind"] = inferred_kind
    if "kind" in changed and changed["kind"] != schedule.kind:
        for name in kinds.fields:
            current.pop(name, None)
    # `url` and `urls` replace each other: sending one drops the other (the seed's PATCH).
    for sent, other in (("url", "urls"), ("urls", "url")):
        if changed.get(sent) is not None and other not in changed:
            current[other] = None
    merged = {**current, **changed}
    kind = kinds.infer(merged)
    trigger_type = infer_trigger_type(merged)
    assert kind is not None and trigger_type is not None
    payload = kinds.payload(kind, merged, errors, schedule=True)
    if trigger_changed:
        _check_trigger(merged, trigger_type, limits, errors)
    _check_policies(merged, errors)
    _check_rest({k: v for k, v in changed.items() if k in ("scheduler", "name", "link_id")}, errors)
    _check_link_id(schedule.scheduler, changed.get("link_id"), payload, errors)
    if "scheduler" in changed and (changed["scheduler"] or "kairos") != schedule.scheduler:
        errors.add("scheduler", "a schedule's scheduler cannot change: create it anew under the other one")
    webhook: dict[str, Any] = {}
    if any(name in changed for name in WEBHOOK_FIELDS):
        current_webhook = {name: getattr(schedule, name) for name in WEBHOOK_FIELDS}
        webhook, webhook_errors = webhook_columns(
            changed, current_webhook, allow_private_networks=limits.allow_private_networks)
        errors.items += webhook_errors
    errors.raise_if_any()
    update: dict[str, Any] = {
        "name": merged.get("name") or schedule.name,
        "description": merged.get("description") or "",
        "kind": kind,
        "payload": payload,
        **{name: merged[name] for name in POLICY_FIELDS if merged.get(name) is not None},
        **webhook,
        "updated_at": now,
    }
    if trigger_changed:
        update.update(_trigger_columns(merged, trigger_type, now))
        if trigger_type == schedule.trigger_type == TriggerType.DELAYED and "delay_seconds" not in changed:
            # Only a new delay restarts the countdown: editing the window or the zone of a
            # delayed schedule must not move (or, once it has fired, repeat) its run.
            update["run_at"] = schedule.run_at
    result = dataclasses.replace(schedule, **update)
    if trigger_changed:
        if result.status == ScheduleStatus.COMPLETED:
            result = dataclasses.replace(result, status=ScheduleStatus.ACTIVE)
        # Also when disabled or paused: `next_run_at` shows the new trigger, never the old one.
        result = rearm(result, now)
    steps: list[Callable[[Schedule], Schedule]] = []
    if "enabled" in changed:
        steps.append(lambda s: set_enabled(s, bool(changed["enabled"]), now))
    if "paused" in changed:
        steps.append(lambda s: set_paused(s, bool(changed["paused"]), now))
    for step in steps:
        result = step(result)
    return result


def preview_schedule(values: Mapping[str, Any], *, now: datetime, limits: Limits) -> Schedule:
    """A throw-away schedule holding only the *when* of `values`, for `POST /schedules:preview`."""
    errors = FieldErrors()
    fields = dict(values)
    trigger_type = infer_trigger_type(fields)
    if trigger_type is None:
        raise InvalidInput.field("trigger_type", "send a cron_expression, trigger, "
                                 "interval_seconds, run_at or delay_seconds to preview")
    _check_trigger(fields, trigger_type, limits, errors)
    errors.raise_if_any()
    return Schedule(id="preview", workspace_id="preview", name="preview", kind=Kind.TASK,
                    **_trigger_columns(fields, trigger_type, now), created_at=now, updated_at=now)


def upcoming_runs(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    """The next `count` fire times after `after` (a not yet fired once-schedule: its instant)."""
    times: list[datetime] = []
    current = first_run(schedule, after) if schedule.status != ScheduleStatus.COMPLETED else None
    while current is not None and len(times) < count:
        times.append(current)
        current = next_run_after(schedule, current)
    return times


def build_job(values: Mapping[str, Any], *, job_id: str, workspace_id: str, now: datetime,
              kinds: KindRulebook) -> Job:
    """A one-off job from the *what* fields of a schedule, checked by the same `kinds` rules."""
    errors = FieldErrors()
    kind = kinds.infer(values)
    if kind is None:
        raise InvalidInput.field("kind", "say what to run: a `task`, a `callback_type`/"
                                 "`callback_id`, or an explicit `kind`")
    payload = kinds.payload(kind, values, errors)
    errors.raise_if_any()
    return Job(
        id=job_id, workspace_id=workspace_id, schedule_id=None, kind=str(kind), payload=payload,
        status=JobStatus.PENDING, max_attempts=int(values.get("max_attempts") or 1),
        retry_delay_seconds=int(values.get("retry_delay_seconds") or 30),
        timeout_seconds=values.get("timeout_seconds"), run_after=now, trigger="api",
        created_at=now,
    )
