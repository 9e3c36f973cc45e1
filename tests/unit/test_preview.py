"""Previewing the next runs of an unsaved trigger, strictly after a given instant."""

from __future__ import annotations

from typing import Any

import pytest

from kairos.domain.definition import Limits, preview_schedule, upcoming_runs
from kairos.domain.describe import describe
from kairos.exceptions import InvalidInput

from .factories import at, ats

NOW = at("2026-01-05T08:10Z")  # a Monday


def preview(values: dict[str, Any], after: str = "2026-01-05T08:10Z", count: int = 5) -> list[Any]:
    schedule = preview_schedule(values, now=NOW, limits=Limits())
    return upcoming_runs(schedule, at(after), count)


def test_weekday_mornings() -> None:
    assert preview({"cron_expression": "0 9 * * 1-5"}, after="2026-01-08T12:00Z", count=3) == ats(
        "2026-01-09T09:00Z", "2026-01-12T09:00Z", "2026-01-13T09:00Z",
    )


def test_after_is_exclusive() -> None:
    assert preview({"cron_expression": "0 9 * * *"}, after="2026-01-05T09:00Z", count=2) == ats(
        "2026-01-06T09:00Z", "2026-01-07T09:00Z",
    )


def test_the_time_zone_applies() -> None:
    assert preview({"cron_expression": "0 9 * * *", "timezone": "America/New_York"},
                   count=2) == ats("2026-01-05T14:00Z", "2026-01-06T14:00Z")


def test_a_celery_trigger_previews_like_its_expression() -> None:
    assert preview({"trigger": {"minute": "30", "hour": "6"}}, count=2) == ats(
        "2026-01-06T06:30Z", "2026-01-07T06:30Z",
    )


def test_an_interval_counts_from_now() -> None:
    assert preview({"interval_seconds": 900}, count=3) == ats(
        "2026-01-05T08:25Z", "2026-01-05T08:40Z", "2026-01-05T08:55Z",
    )


def test_delayed_and_once_preview_a_single_instant() -> None:
    assert preview({"delay_seconds": 600}) == ats("2026-01-05T08:20Z")
    assert preview({"run_at": at("2026-02-01T00:00Z")}) == ats("2026-02-01T00:00Z")


def test_a_window_bounds_the_preview() -> None:
    assert preview({"cron_expression": "0 * * * *", "start_at": at("2026-01-05T20:00Z"),
                    "end_at": at("2026-01-05T22:00Z")}) == ats(
        "2026-01-05T20:00Z", "2026-01-05T21:00Z", "2026-01-05T22:00Z",
    )


def test_the_preview_describes_the_trigger() -> None:
    schedule = preview_schedule({"cron_expression": "0 9 * * 1-5"}, now=NOW, limits=Limits())
    assert describe(schedule.trigger) == "At 09:00, Monday through Friday"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, [(("trigger_type",), "send a cron_expression, trigger, interval_seconds, run_at or "
                                  "delay_seconds to preview")]),
        ({"cron_expression": "0 0 30 2 *"},
         [(("cron_expression",), "invalid cron expression: Bad day-of-month")]),
        ({"cron_expression": "0 9 * * *", "timezone": "Atlantis/Capital"},
         [(("timezone",), "unknown time zone 'Atlantis/Capital'")]),
        ({"interval_seconds": 1}, [(("interval_seconds",), "must be at least 60")]),
    ],
)
def test_a_bad_trigger_cannot_be_previewed(values: dict[str, Any],
                                           expected: list[tuple[tuple[str], str]]) -> None:
    with pytest.raises(InvalidInput) as caught:
        preview_schedule(values, now=NOW, limits=Limits())
    assert [(e.loc, e.msg) for e in caught.value.errors] == expected
