"""Updating a schedule: a new *when* recomputes next_run_at, anything else leaves it alone."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from kairos.domain.definition import Limits, apply_changes, build_schedule
from kairos.domain.schedules import Kind, Schedule, ScheduleStatus, TriggerType, set_enabled
from kairos.exceptions import InvalidInput
from kairos.kinds.catalog import KINDS

from .factories import at

CREATED = at("2026-01-05T08:00Z")
LATER = at("2026-01-05T11:00Z")


def daily() -> Schedule:
    """Daily at 09:00 UTC, made at 08:00: next_run_at 09:00 the same day."""
    return build_schedule({"task": "reports.build", "cron_expression": "0 9 * * *"},
                          schedule_id="sched_1", workspace_id="ws_1", now=CREATED,
                          limits=Limits(), kinds=KINDS.rulebook)


def change(schedule: Schedule, changes: dict[str, Any]) -> Schedule:
    return apply_changes(schedule, changes, now=LATER, limits=Limits(min_interval_seconds=60), kinds=KINDS.rulebook)


def errors_of(schedule: Schedule, changes: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(InvalidInput) as caught:
        change(schedule, changes)
    return [(e.loc, e.msg) for e in caught.value.errors]


def test_a_new_cron_expression_recomputes_next_run_at_from_now() -> None:
    changed = change(daily(), {"cron_expression": "0 10 * * *"})
    assert changed.cron_expression == "0 10 * * *"
    assert changed.next_run_at == changed.due_at == at("2026-01-06T10:00Z")
    assert changed.updated_at == LATER


def test_a_new_name_leaves_next_run_at_alone() -> None:
    changed = change(daily(), {"name": "Morning report", "description": "for the team"})
    assert (changed.name, changed.description) == ("Morning report", "for the team")
    # Still the 09:00 that fell due while nobody fired it: the misfire policy decides about it.
    assert changed.next_run_at == at("2026-01-05T09:00Z")
    assert changed.updated_at == LATER


def test_a_new_time_zone_recomputes_next_run_at() -> None:
    changed = change(daily(), {"timezone": "Europe/Berlin"})
    assert (changed.cron_expression, changed.timezone) == ("0 9 * * *", "Europe/Berlin")
    assert changed.next_run_at == at("2026-01-06T08:00Z")


def test_switching_to_an_interval_replaces_the_cron_fields() -> None:
    changed = change(daily(), {"interval_seconds": 1800})
    assert changed.trigger_type == TriggerType.INTERVAL
    assert (changed.cron_expression, changed.interval_seconds) == (None, 1800)
    # The grid counts from the creation time: 08:00 + k * 30 min.
    assert changed.next_run_at == at("2026-01-05T11:30Z")


def test_an_explicit_trigger_type_switch() -> None:
    changed = change(daily(), {"trigger_type": "once", "run_at": at("2026-02-01T12:00Z")})
    assert (changed.trigger_type, changed.cron_expression) == (TriggerType.ONCE, None)
    assert changed.run_at == changed.next_run_at == at("2026-02-01T12:00Z")


def test_switching_back_to_cron_forgets_the_interval() -> None:
    interval = change(daily(), {"interval_seconds": 1800})
    changed = apply_changes(interval, {"cron_expression": "30 12 * * *"}, now=LATER,
                            limits=Limits(), kinds=KINDS.rulebook)
    assert (changed.trigger_type, changed.interval_seconds) == (TriggerType.CRON, None)
    assert changed.next_run_at == at("2026-01-05T12:30Z")


def test_a_celery_trigger_replaces_the_expression() -> None:
    changed = change(daily(), {"trigger": {"minute": "15", "hour": "*/2"}})
    assert changed.cron_expression == "15 */2 * * *"
    assert changed.next_run_at == at("2026-01-05T12:15Z")


def test_a_bad_change_is_invalid_input_naming_the_field() -> None:
    schedule = daily()
    assert errors_of(schedule, {"cron_expression": "0 0 30 2 *"}) == [
        (("cron_expression",), "invalid cron expression: Bad day-of-month")]
    assert errors_of(schedule, {"timezone": "Nowhere/Special"}) == [
        (("timezone",), "unknown time zone 'Nowhere/Special'")]
    assert errors_of(schedule, {"interval_seconds": 10}) == [
        (("interval_seconds",), "must be at least 60")]
    assert errors_of(schedule, {"trigger_type": "interval"}) == [
        (("interval_seconds",), "is required for trigger_type interval")]
    assert errors_of(schedule, {"start_at": at("2026-02-01T00:00Z"),
                                "end_at": at("2026-01-01T00:00Z")}) == [
        (("end_at",), "must be after start_at")]
    assert errors_of(schedule, {"cron_expression": "0 9 * * *", "interval_seconds": 60}) == [
        (("trigger_type",), "fields of several trigger types were sent: cron, interval")]


def test_disabling_and_enabling_through_an_update() -> None:
    disabled = change(daily(), {"enabled": False})
    assert (disabled.enabled, disabled.next_run_at) == (False, at("2026-01-05T09:00Z"))
    enabled = apply_changes(disabled, {"enabled": True}, now=at("2026-01-08T12:00Z"),
                            limits=Limits(), kinds=KINDS.rulebook)
    assert (enabled.enabled, enabled.next_run_at) == (True, at("2026-01-09T09:00Z"))


def test_pausing_and_resuming_through_an_update() -> None:
    paused = change(daily(), {"paused": True})
    assert paused.status == ScheduleStatus.PAUSED
    resumed = apply_changes(paused, {"paused": False}, now=at("2026-01-08T12:00Z"),
                            limits=Limits(), kinds=KINDS.rulebook)
    assert (resumed.status, resumed.next_run_at) == (ScheduleStatus.ACTIVE,
                                                     at("2026-01-09T09:00Z"))


def test_a_trigger_change_of_a_disabled_schedule_shows_the_new_next_run() -> None:
    disabled = set_enabled(daily(), False, CREATED)
    changed = change(disabled, {"cron_expression": "0 10 * * *"})
    assert changed.enabled is False
    assert changed.next_run_at == at("2026-01-06T10:00Z")


def test_a_trigger_change_and_enable_together() -> None:
    disabled = set_enabled(daily(), False, CREATED)
    changed = change(disabled, {"cron_expression": "0 12 * * *", "enabled": True})
    assert (changed.enabled, changed.next_run_at) == (True, at("2026-01-05T12:00Z"))


@pytest.mark.parametrize("name", ["enabled", "paused", "kind", "trigger_type"])
def test_a_null_is_the_same_as_not_sending_the_field(name: str) -> None:
    schedule = daily()
    assert change(schedule, {name: None}) == dataclasses.replace(schedule, updated_at=LATER)


def test_the_other_kinds_fields_switch_the_kind() -> None:
    changed = change(daily(), {"callback_type": "http",
                               "callback_id": "https://example.com/hooks/report"})
    assert changed.kind == Kind.CALLBACK
    assert changed.payload == {"callback_type": "http",
                               "callback_id": "https://example.com/hooks/report"}


def test_an_explicit_kind_switch_drops_the_old_fields() -> None:
    changed = change(daily(), {"kind": "callback", "callback_id": "workflow-9"})
    assert changed.payload == {"callback_type": "workflow", "callback_id": "workflow-9"}


def test_task_fields_change_the_payload_only() -> None:
    changed = change(daily(), {"args": [1, 2], "kwargs": {"x": 1}})
    assert changed.payload == {"task": "reports.build", "args": [1, 2], "kwargs": {"x": 1},
                               "executor": "local"}
    assert changed.next_run_at == at("2026-01-05T09:00Z")


def test_a_kind_that_is_not_available_cannot_be_switched_to() -> None:
    assert errors_of(daily(), {"kind": "reddit"}) == [
        (("kind",), "kind 'reddit' is not available in this version of Kairos "
                    "(available: task, callback, scrape)")]


def test_policy_changes_are_checked() -> None:
    assert errors_of(daily(), {"misfire_grace_seconds": 0}) == [
        (("misfire_grace_seconds",), "must be at least 1")]
    changed = change(daily(), {"overlap_policy": "allow", "misfire_policy": "skip"})
    assert (changed.overlap_policy, changed.misfire_policy) == ("allow", "skip")
    assert changed.next_run_at == at("2026-01-05T09:00Z")


def test_a_new_end_at_before_now_completes_the_schedule() -> None:
    changed = change(daily(), {"end_at": at("2026-01-05T10:00Z")})
    assert (changed.next_run_at, changed.status) == (None, ScheduleStatus.COMPLETED)
