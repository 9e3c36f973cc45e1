"""Creating a schedule from what a user sent: a valid Schedule, or InvalidInput naming fields."""

from __future__ import annotations

from typing import Any

import pytest

from kairos.domain.definition import Limits, build_schedule
from kairos.domain.payloads import MAX_ARGS_BYTES
from kairos.domain.schedules import (
    Kind,
    MisfirePolicy,
    OverlapPolicy,
    Schedule,
    ScheduleStatus,
    TriggerType,
)
from kairos.exceptions import InvalidInput
from kairos.kinds.catalog import KINDS

from .factories import at

NOW = at("2026-01-05T08:10Z")
TASK = {"task": "reports.build"}
IMPOSSIBLE = "invalid cron expression: Bad day-of-month"


def build(values: dict[str, Any]) -> Schedule:
    return build_schedule(values, schedule_id="sched_1", workspace_id="ws_1", now=NOW,
                          limits=Limits(min_interval_seconds=60), kinds=KINDS.rulebook)


def errors_of(values: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(InvalidInput) as caught:
        build(values)
    return [(e.loc, e.msg) for e in caught.value.errors]


def test_a_cron_task_schedule() -> None:
    schedule = build({"name": "Daily report", "cron_expression": "0 9 * * 1-5",
                      "timezone": "Europe/Berlin", "task": "reports.build", "args": [1],
                      "kwargs": {"locale": "de"}})
    assert (schedule.id, schedule.workspace_id, schedule.name) == ("sched_1", "ws_1",
                                                                   "Daily report")
    assert (schedule.kind, schedule.trigger_type) == (Kind.TASK, TriggerType.CRON)
    assert schedule.payload == {"task": "reports.build", "args": [1], "kwargs": {"locale": "de"},
                                "executor": "local"}
    assert (schedule.cron_expression, schedule.timezone) == ("0 9 * * 1-5", "Europe/Berlin")
    # Monday 08:10Z is 09:10 in Berlin: the next 09:00 CET is Tuesday's.
    assert schedule.next_run_at == schedule.due_at == at("2026-01-06T08:00Z")
    assert (schedule.enabled, schedule.status) == (True, ScheduleStatus.ACTIVE)
    assert (schedule.misfire_policy, schedule.overlap_policy) == (MisfirePolicy.RUN_ONCE,
                                                                  OverlapPolicy.SKIP)
    assert schedule.created_at == schedule.updated_at == NOW


def test_a_callback_schedule_is_named_after_its_workflow() -> None:
    schedule = build({"callback_id": "workflow-456", "interval_seconds": 300})
    assert schedule.kind == Kind.CALLBACK
    assert schedule.payload == {"callback_type": "workflow", "callback_id": "workflow-456"}
    assert schedule.name == "workflow-456"
    assert schedule.next_run_at == at("2026-01-05T08:15Z")


def test_a_macro_is_stored_expanded() -> None:
    assert build({**TASK, "cron_expression": "@daily"}).cron_expression == "0 0 * * *"


def test_paused_and_disabled_on_creation() -> None:
    assert build({**TASK, "cron_expression": "0 9 * * *", "paused": True}).status == (
        ScheduleStatus.PAUSED)
    disabled = build({**TASK, "cron_expression": "0 9 * * *", "enabled": False})
    assert (disabled.enabled, disabled.firing) == (False, False)


def test_policies_are_kept() -> None:
    schedule = build({**TASK, "cron_expression": "0 9 * * *", "misfire_policy": "run_all",
                      "misfire_grace_seconds": 600, "overlap_policy": "queue_one",
                      "jitter_seconds": 30, "max_attempts": 3, "timeout_seconds": 120})
    assert (schedule.misfire_policy, schedule.misfire_grace_seconds) == (MisfirePolicy.RUN_ALL,
                                                                         600)
    assert schedule.overlap_policy == OverlapPolicy.QUEUE_ONE
    assert (schedule.jitter_seconds, schedule.max_attempts, schedule.timeout_seconds) == (
        30, 3, 120)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"cron_expression": "0 0 30 2 *"}, [(("cron_expression",), IMPOSSIBLE)]),
        ({"cron_expression": "61 * * * *"},
         [(("cron_expression",), "invalid cron expression: Bad minute")]),
        ({"cron_expression": "* * *"},
         [(("cron_expression",), "expected 5 fields (minute hour day-of-month month "
                                 "day-of-week) or 6 with a leading seconds field, got 3")]),
        ({"cron_expression": ""},
         [(("cron_expression",), "a cron expression (or a Celery `trigger` object) is required "
                                 "for trigger_type cron")]),
        ({"trigger_type": "cron"},
         [(("cron_expression",), "a cron expression (or a Celery `trigger` object) is required "
                                 "for trigger_type cron")]),
        ({"cron_expression": "0 9 * * *", "timezone": "Mars/Olympus_Mons"},
         [(("timezone",), "unknown time zone 'Mars/Olympus_Mons'")]),
        ({"interval_seconds": 59}, [(("interval_seconds",), "must be at least 60")]),
        ({"interval_seconds": True}, [(("interval_seconds",), "must be an integer")]),
        ({"trigger_type": "interval"}, [(("interval_seconds",),
                                         "is required for trigger_type interval")]),
        ({"trigger_type": "once"}, [(("run_at",), "is required for trigger_type once")]),
        ({"delay_seconds": -1}, [(("delay_seconds",), "must be at least 0")]),
        ({"trigger_type": "weekly"},
         [(("trigger_type",), "must be one of cron, interval, once, delayed")]),
        ({}, [(("trigger_type",), "say when to run: `cron_expression`, `trigger`, "
                                  "`interval_seconds`, `run_at` or `delay_seconds`")]),
    ],
)
def test_a_bad_trigger_names_its_field(values: dict[str, Any],
                                       expected: list[tuple[tuple[str], str]]) -> None:
    assert errors_of({**TASK, **values}) == expected


@pytest.mark.parametrize(
    ("values", "types"),
    [
        ({"cron_expression": "0 9 * * *", "interval_seconds": 60}, "cron, interval"),
        ({"trigger": {"minute": "0"}, "run_at": NOW}, "cron, once"),
        ({"interval_seconds": 60, "delay_seconds": 60}, "interval, delayed"),
    ],
)
def test_fields_of_several_trigger_types_conflict(values: dict[str, Any], types: str) -> None:
    assert errors_of({**TASK, **values}) == [
        (("trigger_type",), f"fields of several trigger types were sent: {types}")]


def test_fields_of_several_kinds_conflict() -> None:
    assert errors_of({"task": "t", "callback_id": "w", "cron_expression": "0 9 * * *"}) == [
        (("kind",), "fields of several kinds were sent: callback, task")]


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ({"kind": "reddit", "target": "python"}, "reddit"),
        ({"kind": "reddit"}, "reddit"),
    ],
)
def test_a_kind_without_a_spec_is_not_available(values: dict[str, Any], kind: str) -> None:
    assert errors_of({**values, "cron_expression": "0 9 * * *"}) == [
        (("kind",), f"kind {kind!r} is not available in this version of Kairos "
                    "(available: task, callback, scrape)")]


def test_nothing_to_run() -> None:
    assert errors_of({"cron_expression": "0 9 * * *"}) == [
        (("kind",), "say what to run: a `task`, a `callback_type`/`callback_id`, or an explicit "
                    "`kind`")]


def test_an_unknown_kind() -> None:
    assert errors_of({"kind": "email", "cron_expression": "0 9 * * *"}) == [
        (("kind",), "must be one of task, callback, scrape, reddit")]


def test_args_and_kwargs_are_capped_at_64_kib_of_json() -> None:
    # ["xx…x"] is the string's length plus 4 bytes of JSON.
    at_the_cap = ["x" * (MAX_ARGS_BYTES - 4)]
    assert build({**TASK, "cron_expression": "0 9 * * *", "args": at_the_cap}).payload["args"] == (
        at_the_cap)
    assert errors_of({**TASK, "cron_expression": "0 9 * * *",
                      "args": ["x" * (MAX_ARGS_BYTES - 3)],
                      "kwargs": {"blob": "x" * MAX_ARGS_BYTES}}) == [
        (("args",), "must be at most 64 KiB of JSON"),
        (("kwargs",), "must be at most 64 KiB of JSON"),
    ]


def test_every_problem_is_reported_at_once() -> None:
    assert errors_of({"task": "", "args": {}, "executor": "ray", "interval_seconds": 5,
                      "misfire_policy": "never", "overlap_policy": "queue_all",
                      "jitter_seconds": -1, "webhook_url": "ftp://example.com/hook",
                      "scheduler": "cron"}) == [
        (("task",), "a registered task name (1-200 characters) is required"),
        (("args",), "must be a list"),
        (("executor",), "must be 'local' or 'celery'"),
        (("interval_seconds",), "must be at least 60"),
        (("jitter_seconds",), "must be at least 0"),
        (("misfire_policy",), "must be one of run_once, skip, run_all"),
        (("overlap_policy",), "must be one of skip, allow, queue_one, cancel_previous"),
        (("scheduler",), "must be one of kairos, celery-beat, apscheduler"),
        (("webhook_url",), "must be an absolute http:// or https:// URL"),
    ]


def test_the_celery_executor_and_external_schedulers_say_what_is_missing() -> None:
    assert errors_of({**TASK, "executor": "celery", "scheduler": "celery-beat",
                      "cron_expression": "0 9 * * *"}) == [
        (("executor",), "the celery executor needs a linked Celery app, which this version of "
                        "Kairos does not offer yet; use 'local'"),
        (("scheduler",), "this workspace has no link to celery-beat: link one first (external "
                         "schedulers are not available in this version)"),
    ]


def test_an_http_callback_needs_an_absolute_url() -> None:
    assert errors_of({"callback_type": "http", "callback_id": "/relative",
                      "cron_expression": "0 9 * * *"}) == [
        (("callback_id",), "must be an absolute http:// or https:// URL")]


def test_the_detail_names_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        build({**TASK, "cron_expression": "0 0 30 2 *"})
    assert caught.value.detail == f"cron_expression: {IMPOSSIBLE}"
    assert caught.value.status == 400
