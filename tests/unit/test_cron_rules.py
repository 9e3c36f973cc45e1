"""What a cron expression means: Vixie day rules, names, L and #, macros, seconds, errors."""

from __future__ import annotations

import pytest

from kairos.domain.triggers import CronTrigger, TriggerError, next_fire, previous_fire

from .factories import at, ats, cron_fires


def test_day_of_month_and_day_of_week_both_restricted_fire_on_either() -> None:
    # April 2026: the 13th is a Monday; Fridays are the 3rd, 10th, 17th and 24th.
    assert cron_fires("0 9 13 * 5", "2026-04-01T00:00Z", 6) == ats(
        "2026-04-03T09:00Z", "2026-04-10T09:00Z", "2026-04-13T09:00Z",
        "2026-04-17T09:00Z", "2026-04-24T09:00Z", "2026-05-01T09:00Z",
    )


def test_day_of_week_alone_fires_only_on_that_weekday() -> None:
    assert cron_fires("0 9 * * 5", "2026-04-01T00:00Z", 4) == ats(
        "2026-04-03T09:00Z", "2026-04-10T09:00Z", "2026-04-17T09:00Z", "2026-04-24T09:00Z",
    )


def test_an_impossible_date_is_possible_when_ored_with_a_weekday() -> None:
    # 30 February never exists, but "or on Mondays" does: the Mondays of February.
    assert cron_fires("0 0 30 2 1", "2026-01-01T00:00Z", 3) == ats(
        "2026-02-02T00:00Z", "2026-02-09T00:00Z", "2026-02-16T00:00Z",
    )


def test_leap_day_waits_for_the_next_leap_year() -> None:
    assert cron_fires("0 0 29 2 *", "2026-03-01T00:00Z", 2) == ats(
        "2028-02-29T00:00Z", "2032-02-29T00:00Z",
    )


def test_l_is_the_last_day_of_each_month() -> None:
    assert cron_fires("0 0 L * *", "2028-01-15T00:00Z", 3) == ats(
        "2028-01-31T00:00Z", "2028-02-29T00:00Z", "2028-03-31T00:00Z",
    )


def test_hash_is_the_nth_weekday_of_the_month() -> None:
    assert cron_fires("0 0 * * 5#2", "2026-02-01T00:00Z", 3) == ats(
        "2026-02-13T00:00Z", "2026-03-13T00:00Z", "2026-04-10T00:00Z",
    )


def test_weekday_l_is_the_last_such_weekday_of_the_month() -> None:
    assert cron_fires("0 0 * * 5L", "2026-02-01T00:00Z", 3) == ats(
        "2026-02-27T00:00Z", "2026-03-27T00:00Z", "2026-04-24T00:00Z",
    )


@pytest.mark.parametrize("expression", ["0 9 * * MON-FRI", "0 9 * * mon-fri", "0 9 * * 1-5"])
def test_weekday_names_and_ranges(expression: str) -> None:
    # 2026-04-03 is a Friday.
    assert cron_fires(expression, "2026-04-02T12:00Z", 4) == ats(
        "2026-04-03T09:00Z", "2026-04-06T09:00Z", "2026-04-07T09:00Z", "2026-04-08T09:00Z",
    )


def test_month_names() -> None:
    assert cron_fires("0 9 1 JAN *", "2026-04-02T12:00Z", 2) == ats(
        "2027-01-01T09:00Z", "2028-01-01T09:00Z",
    )


@pytest.mark.parametrize(
    ("macro", "expanded", "first"),
    [
        ("@hourly", "0 * * * *", "2026-04-02T13:00Z"),
        ("@daily", "0 0 * * *", "2026-04-03T00:00Z"),
        ("@midnight", "0 0 * * *", "2026-04-03T00:00Z"),
        ("@weekly", "0 0 * * 0", "2026-04-05T00:00Z"),  # the next Sunday
        ("@monthly", "0 0 1 * *", "2026-05-01T00:00Z"),
        ("@yearly", "0 0 1 1 *", "2027-01-01T00:00Z"),
        ("@annually", "0 0 1 1 *", "2027-01-01T00:00Z"),
        ("@DAILY", "0 0 * * *", "2026-04-03T00:00Z"),
    ],
)
def test_macros_expand_to_five_fields(macro: str, expanded: str, first: str) -> None:
    trigger = CronTrigger(expression=macro)
    assert trigger.expression == expanded
    assert next_fire(trigger, at("2026-04-02T12:10Z")) == at(first)


def test_whitespace_is_collapsed() -> None:
    assert CronTrigger(expression="  0   9\t* * 1-5 ").expression == "0 9 * * 1-5"


def test_a_leading_sixth_field_is_seconds() -> None:
    trigger = CronTrigger(expression="*/15 * * * * *")
    assert trigger.has_seconds
    assert not CronTrigger(expression="* * * * *").has_seconds
    assert cron_fires("*/15 * * * * *", "2026-04-02T12:00:00Z", 4) == ats(
        "2026-04-02T12:00:15Z", "2026-04-02T12:00:30Z", "2026-04-02T12:00:45Z",
        "2026-04-02T12:01:00Z",
    )
    assert cron_fires("30 0 9 * * *", "2026-04-02T12:00Z", 2) == ats(
        "2026-04-03T09:00:30Z", "2026-04-04T09:00:30Z",
    )


def test_next_fire_is_strictly_after() -> None:
    trigger = CronTrigger(expression="0 9 * * *")
    assert next_fire(trigger, at("2026-04-02T09:00:00Z")) == at("2026-04-03T09:00Z")
    assert next_fire(trigger, at("2026-04-02T08:59:59.999999Z")) == at("2026-04-02T09:00Z")
    assert next_fire(trigger, at("2026-04-02T09:00:00.000001Z")) == at("2026-04-03T09:00Z")


def test_next_fire_with_seconds_skips_a_fire_earlier_in_the_same_second() -> None:
    trigger = CronTrigger(expression="* * * * * *")
    assert next_fire(trigger, at("2026-04-02T09:00:00.500Z")) == at("2026-04-02T09:00:01Z")


def test_previous_fire_is_at_or_before() -> None:
    trigger = CronTrigger(expression="0 9 * * *")
    assert previous_fire(trigger, at("2026-04-02T09:00:00Z")) == at("2026-04-02T09:00Z")
    assert previous_fire(trigger, at("2026-04-02T08:59:59Z")) == at("2026-04-01T09:00Z")
    assert previous_fire(trigger, at("2026-04-02T09:00:00.5Z")) == at("2026-04-02T09:00Z")


def test_the_time_zone_is_the_wall_clock_of_the_fields() -> None:
    assert cron_fires("0 9 * * *", "2026-01-10T00:00Z", 1, "Europe/Berlin") == ats(
        "2026-01-10T08:00Z")  # CET, UTC+1
    assert cron_fires("0 9 * * *", "2026-07-10T00:00Z", 1, "Europe/Berlin") == ats(
        "2026-07-10T07:00Z")  # CEST, UTC+2
    assert cron_fires("0 9 * * *", "2026-07-10T00:00Z", 1, "Asia/Kolkata") == ats(
        "2026-07-10T03:30Z")  # UTC+5:30


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 0 30 2 *", "invalid cron expression: Bad day-of-month"),
        ("0 0 31 4 *", "invalid cron expression: Bad day-of-month"),
        ("61 * * * *", "invalid cron expression: Bad minute"),
        ("* 24 * * *", "invalid cron expression: Bad hour"),
        ("0 0 * 13 *", "invalid cron expression: Bad month"),
        ("0 9 * * 8", "invalid cron expression: Bad day-of-week"),
        ("abc * * * *", "invalid cron expression: Bad minute"),
        ("* * *", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a "
                  "leading seconds field, got 3"),
        ("", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a "
             "leading seconds field, got 1"),
        ("* * * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 "
                          "with a leading seconds field, got 7"),
        ("@reboot", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a "
                    "leading seconds field, got 1"),
    ],
)
def test_invalid_or_impossible_expressions_name_cron_expression(
    expression: str, message: str
) -> None:
    with pytest.raises(TriggerError) as caught:
        CronTrigger(expression=expression)
    assert caught.value.field == "cron_expression"
    assert caught.value.message == message
    assert str(caught.value) == f"cron_expression: {message}"


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "europe/berlin", "../etc/passwd", ""])
def test_an_unknown_time_zone_names_the_timezone_field(name: str) -> None:
    with pytest.raises(TriggerError) as caught:
        CronTrigger(expression="0 9 * * *", timezone=name)
    assert caught.value.field == "timezone"
    assert caught.value.message == f"unknown time zone {name!r}"
