"""The Celery crontab object in, the cron expression stored, and both forms back out."""

from __future__ import annotations

from typing import Any

import pytest

from kairos.domain.definition import Limits, build_schedule
from kairos.domain.describe import celery_to_cron, cron_to_celery
from kairos.domain.schedules import Schedule, TriggerType
from kairos.domain.triggers import TriggerError
from kairos.exceptions import InvalidInput
from kairos.kinds.catalog import KINDS

from .factories import at

NOW = at("2026-01-05T08:10Z")


def build(values: dict[str, Any]) -> Schedule:
    return build_schedule({"task": "email.send_daily_digest", **values}, schedule_id="sched_1",
                          workspace_id="ws_1", now=NOW, limits=Limits(), kinds=KINDS.rulebook)


def test_fields_map_in_cron_order_and_absent_ones_are_stars() -> None:
    assert celery_to_cron({"minute": "0", "hour": "9", "day_of_week": "1-5"}) == "0 9 * * 1-5"
    assert celery_to_cron({"minute": "*/15", "day_of_month": "1", "month_of_year": "1,7"}) == (
        "*/15 * 1 1,7 *")
    assert celery_to_cron({}) == "* * * * *"


def test_integers_and_blank_strings() -> None:
    assert celery_to_cron({"minute": 30, "hour": 7, "day_of_week": " "}) == "30 7 * * *"


@pytest.mark.parametrize(
    ("crontab", "field", "message"),
    [
        ({"second": "0"}, "trigger", "unknown crontab field(s): second"),
        ({"minute": True}, "trigger.minute", "must be a string or an integer"),
        ({"hour": 1.5}, "trigger.hour", "must be a string or an integer"),
        ({"day_of_week": "mon fri"}, "trigger.day_of_week", "must not contain spaces"),
    ],
)
def test_a_bad_crontab_names_its_field(crontab: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(TriggerError) as caught:
        celery_to_cron(crontab)
    assert (caught.value.field, caught.value.message) == (field, message)


def test_the_response_form_has_all_five_fields() -> None:
    assert cron_to_celery("0 9 * * 1-5") == {
        "minute": "0", "hour": "9", "day_of_month": "*", "month_of_year": "*",
        "day_of_week": "1-5",
    }


def test_a_seconds_field_has_no_celery_form() -> None:
    assert cron_to_celery("*/15 * * * * *") is None


def test_a_schedule_made_from_a_crontab_stores_cron_and_round_trips() -> None:
    crontab = {"minute": "0", "hour": "9", "day_of_week": "mon-fri"}
    schedule = build({"trigger": crontab})
    assert schedule.trigger_type == TriggerType.CRON
    assert schedule.cron_expression == "0 9 * * mon-fri"
    assert schedule.next_run_at == at("2026-01-05T09:00Z")
    assert schedule.cron_expression is not None
    assert cron_to_celery(schedule.cron_expression) == {
        "minute": "0", "hour": "9", "day_of_month": "*", "month_of_year": "*",
        "day_of_week": "mon-fri",
    }


def test_a_macro_has_a_celery_form_too() -> None:
    schedule = build({"cron_expression": "@hourly"})
    assert schedule.cron_expression is not None
    assert cron_to_celery(schedule.cron_expression) == {
        "minute": "0", "hour": "*", "day_of_month": "*", "month_of_year": "*", "day_of_week": "*",
    }


def test_a_crontab_and_an_agreeing_expression_may_both_be_sent() -> None:
    schedule = build({"trigger": {"minute": "0", "hour": "9"}, "cron_expression": "0  9 * * *"})
    assert schedule.cron_expression == "0 9 * * *"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"trigger": {"minute": "0", "hour": "9"}, "cron_expression": "0 10 * * *"},
         [(("trigger",), "disagrees with cron_expression; send one of them")]),
        ({"trigger": {"minute": "0", "hour": "0", "day_of_month": "30", "month_of_year": "2"}},
         [(("trigger",), "invalid cron expression: Bad day-of-month")]),
        ({"trigger": {"minute": "0", "hour": "25"}},
         [(("trigger",), "invalid cron expression: Bad hour")]),
        ({"trigger": {"minute": "0", "seconds": "5"}},
         [(("trigger",), "unknown crontab field(s): seconds")]),
        ({"trigger": {"minute": None}},
         [(("trigger.minute",), "must be a string or an integer")]),
        ({"trigger": "0 9 * * *"},
         [(("trigger",), "must be an object with minute, hour, day_of_week, day_of_month and "
                         "month_of_year")]),
    ],
)
def test_a_bad_crontab_is_invalid_input(values: dict[str, Any],
                                        expected: list[tuple[tuple[str], str]]) -> None:
    with pytest.raises(InvalidInput) as caught:
        build(values)
    assert [(e.loc, e.msg) for e in caught.value.errors] == expected
