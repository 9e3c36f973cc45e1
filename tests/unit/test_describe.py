"""One line a person can read for every trigger, in 24-hour time, with the zone when not UTC."""

from __future__ import annotations

from datetime import datetime

import pytest

from kairos.domain.describe import describe, describe_delay, describe_seconds
from kairos.domain.triggers import CronTrigger, IntervalTrigger, OnceTrigger

from .factories import at


@pytest.mark.parametrize(
    ("expression", "text"),
    [
        ("0 9 * * 1-5", "At 09:00, Monday through Friday"),
        ("0 9 * * MON-FRI", "At 09:00, Monday through Friday"),
        ("30 14 * * *", "At 14:30"),
        ("@hourly", "Every hour"),
        ("0 9 13 * 5", "At 09:00, on day 13 of the month, or on Friday"),
        ("0 0 L * *", "At 00:00, on the last day of the month"),
        ("0 0 * * 5#2", "At 00:00, on the second Friday of the month"),
        ("0 9 * JAN *", "At 09:00, only in January"),
        ("*/15 * * * * *", "Every 15 seconds"),
    ],
)
def test_cron_in_utc(expression: str, text: str) -> None:
    assert describe(CronTrigger(expression=expression)) == text


def test_cron_in_another_zone_names_it() -> None:
    trigger = CronTrigger(expression="0 9 * * 1-5", timezone="Europe/Berlin")
    assert describe(trigger) == "At 09:00, Monday through Friday (Europe/Berlin)"


def test_interval_names_its_anchor() -> None:
    trigger = IntervalTrigger(seconds=300, anchor=at("2026-01-01T00:00Z"))
    assert describe(trigger) == "Every 5 minutes, counted from 2026-01-01T00:00:00Z"


def test_once_names_its_instant_in_utc() -> None:
    trigger = OnceTrigger(run_at=datetime.fromisoformat("2026-01-01T10:00:00+01:00"))
    assert describe(trigger) == "Once at 2026-01-01T09:00:00Z"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "Every second"),
        (30, "Every 30 seconds"),
        (60, "Every minute"),
        (90, "Every 90 seconds"),
        (300, "Every 5 minutes"),
        (5400, "Every 90 minutes"),
        (3600, "Every hour"),
        (7200, "Every 2 hours"),
        (86400, "Every day"),
        (172800, "Every 2 days"),
    ],
)
def test_describe_seconds_uses_the_largest_whole_unit(seconds: int, text: str) -> None:
    assert describe_seconds(seconds) == text


def test_describe_delay() -> None:
    assert describe_delay(3600) == "Once, 1:00:00 after creation"
    assert describe_delay(90061) == "Once, 1 day, 1:01:01 after creation"
