"""Human-readable text for triggers, and the Celery crontab object <-> cron expression mapping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from cron_descriptor import ExpressionDescriptor, Options

from kairos.domain.triggers import (
    CronTrigger,
    ExternalTrigger,
    IntervalTrigger,
    OnceTrigger,
    Trigger,
    TriggerError,
)
from kairos.timeutil import isoformat_z

CELERY_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


def celery_to_cron(trigger: Mapping[str, object]) -> str:
    """Turn Celery's crontab object into a five-field expression; absent fields mean `*`."""
    unknown = set(trigger) - set(CELERY_FIELDS)
    if unknown:
        raise TriggerError("trigger", f"unknown crontab field(s): {', '.join(sorted(unknown))}")
    parts = []
    for name in CELERY_FIELDS:
        value = trigger.get(name, "*")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TriggerError(f"trigger.{name}", "must be a string or an integer")
        text = str(value).strip() or "*"
        if " " in text:
            raise TriggerError(f"trigger.{name}", "must not contain spaces")
        parts.append(text)
    return " ".join(parts)


def cron_to_celery(expression: str) -> dict[str, str] | None:
    """The Celery crontab object for a five-field expression; None for a seconds field."""
    fields = expression.split(" ")
    if len(fields) != 5:
        return None
    return dict(zip(CELERY_FIELDS, fields, strict=True))


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def describe_seconds(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"Every {unit}" if count == 1 else f"Every {_plural(count, unit)}"
    return "Every second" if seconds == 1 else f"Every {_plural(seconds, 'second')}"


def describe(trigger: Trigger) -> str:
    """One line a person can read, such as 'At 09:00, Monday through Friday (Europe/Berlin)'."""
    if isinstance(trigger, CronTrigger):
        options = Options()
        options.use_24hour_time_format = True
        text: str = ExpressionDescriptor(trigger.expression, options).get_description()
        return text if trigger.timezone == "UTC" else f"{text} ({trigger.timezone})"
    if isinstance(trigger, IntervalTrigger):
        anchor = isoformat_z(trigger.anchor.replace(microsecond=0))
        return f"{describe_seconds(trigger.seconds)}, counted from {anchor}"
    if isinstance(trigger, ExternalTrigger):
        return trigger.description
    assert isinstance(trigger, OnceTrigger)
    return f"Once at {isoformat_z(trigger.run_at)}"


def describe_delay(seconds: int) -> str:
    return f"Once, {timedelta(seconds=seconds)} after creation"
