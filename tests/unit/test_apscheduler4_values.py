"""APScheduler 4 schedule rows as Kairos reads them: values in each serializer's shape, odd rows read-only."""

from __future__ import annotations

import json
import pickle
import re
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from kairos.domain.external import ExternalEntry
from kairos.integrations.apscheduler.pickles import RefusedPickle
from kairos.integrations.apscheduler.v4 import DataStoreTables, decode, entry_of_schedule


def _cron(fields: list[str], zone: str = "UTC") -> bytes:
    # The shape JSONSerializer writes a 4.x CronTrigger in (fields: year ... second).
    return json.dumps({"_apscheduler_json": ["apscheduler.triggers.cron:CronTrigger", {
        "version": 1, "timezone": zone, "fields": fields, "start_time": "2026-12-02T02:23:14+00:00",
        "end_time": None, "last_fire_time": None}]}).encode()


def _row(trigger: bytes | None, **columns: Any) -> SimpleNamespace:
    values = {"id": "s1", "task_id": "time:time", "trigger": trigger, "args": b"[]", "kwargs": b"{}",
              "paused": False, "coalesce": "latest", "misfire_grace_time": None, "max_jitter": None,
              "job_executor": "threadpool", "next_fire_time": 1_796_178_194_000_000, **columns}
    return SimpleNamespace(**values)


def _entry(trigger: bytes | None, **columns: Any) -> ExternalEntry:
    return entry_of_schedule(_row(trigger, **columns), "time:time")


@pytest.mark.parametrize(("fields", "expression"), [
    (["*", "*", "*", "*", "*", "*", "5/10", "0"], "5/10 * * * *"),
    (["*", "*", "*", "*", "sun,mon-tue", "8", "0", "0"], "0 8 * * sun,mon,tue"),
    (["*", "feb-apr", "last", "*", "*", "23", "59", "30"], "30 59 23 L 2-4 *"),
    (["*", "1", "1", "*", "*", "0", "0", "0"], "0 0 1 1 *"),
])
def test_cron_field_strings_become_cron_expressions(fields: list[str], expression: str) -> None:
    entry = _entry(_cron(fields, "Asia/Tokyo"))
    assert (entry.cron_expression, entry.timezone, entry.read_only_reason) == (expression, "Asia/Tokyo", None)


@pytest.mark.parametrize(("fields", "reason"), [
    (["2030", "*", "*", "*", "*", "0", "0", "0"], "cron has no year field"),
    (["*", "*", "*", "*", "*", "0", "every", "0"], "the minute field says 'every', which Kairos does not read"),
    (["*", "*", "*", "*", "*", "0", "0-99", "0"], "the minute field has last value 99, outside 0-59"),
    (["*", "*", "*", "*"], "not 8 cron field strings"),
])
def test_cron_fields_cron_cannot_say_are_read_only_with_the_reason(fields: list[str], reason: str) -> None:
    entry = _entry(_cron(fields))
    assert entry.cron_expression is None and entry.enabled and reason in (entry.read_only_reason or "")


def test_an_unknown_zone_in_json_is_read_only_not_an_error() -> None:
    entry = _entry(_cron(["*", "*", "*", "*", "*", "0", "0", "0"], "Mars/Olympus"))
    assert "unknown time zone 'Mars/Olympus'" in (entry.read_only_reason or "")


def test_intervals_of_fractional_seconds_and_naive_dates_are_read_only() -> None:
    interval = json.dumps({"_apscheduler_json": ["apscheduler.triggers.interval:IntervalTrigger", {
        "version": 1, "interval": [0, 0, 0, 0, 1, 500000]}]}).encode()
    assert "1.5 seconds is not whole seconds" in (_entry(interval).read_only_reason or "")
    date = json.dumps({"_apscheduler_json": ["apscheduler.triggers.date:DateTrigger", {
        "version": 1, "run_time": "2031-01-02T03:04:00", "completed": False}]}).encode()
    assert "not an aware date and time" in (_entry(date).read_only_reason or "")


def test_max_jitter_makes_a_schedule_read_only_and_intervals_columns_are_seconds() -> None:
    trigger = pickle.dumps({"not": "a trigger"})
    assert "no trigger Kairos can read" in (_entry(trigger).read_only_reason or "")
    cron = _cron(["*", "*", "*", "*", "*", "0", "0", "0"])
    entry = _entry(cron, max_jitter=2_000_000, misfire_grace_time=30_000_000)
    assert entry.read_only_reason == "the schedule has max_jitter"
    assert entry.options["misfire_grace_time"] == 30 and entry.options["max_jitter"] == 2


@pytest.mark.parametrize(("data", "message"), [
    (json.dumps({"_apscheduler_json": ["builtins:eval", "1"]}).encode(), "names builtins:eval, which is not a trigger"),
    (json.dumps([{"_apscheduler_json": ["os:system", "id"]}]).encode(), "names os:system"),
    (json.dumps({"_apscheduler_json": "apscheduler.triggers.cron:CronTrigger"}).encode(), "is not [class, state]"),
    (json.dumps({"_apscheduler_json": ["apscheduler.triggers.cron:CronTrigger", [1]]}).encode(), "is not a dict"),
    (b"[" * 150 + b"]" * 150, "nested too deeply"),
    (b"\x80", "looks like CBOR"),  # an empty CBOR array, not a pickle
    (bytes.fromhex("a1616101"), "looks like CBOR"),
    (b"\x80\x04\x95" + b"\x00" * 8 + b"\x8c\x02os\x8c\x06system\x93.", "names os.system"),
    (b"not serialized at all", "not a readable pickle"),
])
def test_values_outside_the_allowlist_or_any_serializer_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(RefusedPickle, match=re.escape(message)):
        decode(data, "trigger")


def test_json_is_data_and_marked_triggers_are_only_named() -> None:
    assert decode(b'{"a": [1, {"b": null}]}', "kwargs") == {"a": [1, {"b": None}]}
    trigger = decode(_cron(["*"] * 8), "trigger")
    assert trigger.qualname == "apscheduler.triggers.cron.CronTrigger" and trigger.state["fields"] == ["*"] * 8


def test_every_bad_row_of_a_table_is_its_own_read_only_entry(tmp_path: Any) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'aps4.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE tasks (id TEXT, func TEXT)")
        conn.exec_driver_sql("INSERT INTO tasks VALUES ('t', 'app.jobs:run')")
        conn.exec_driver_sql(
            "CREATE TABLE schedules (id TEXT, task_id TEXT, trigger BLOB, args BLOB, kwargs BLOB, paused BOOLEAN, "
            "coalesce TEXT, misfire_grace_time BIGINT, max_jitter BIGINT, job_executor TEXT, next_fire_time BIGINT)")
        conn.exec_driver_sql(
            "INSERT INTO schedules VALUES ('a.null', 't', NULL, '[]', '{}', 0, 'latest', NULL, NULL, 'x', 1), "
            "('b.args', 't', ?, X'7B7D', X'5B5D', 0, 'latest', NULL, NULL, 'x', 1), "
            "('c.good', 'other', ?, X'5B315D', X'7B7D', 1, 'all', NULL, NULL, 'x', NULL)",
            (_cron(["*"] * 8), _cron(["*", "*", "*", "*", "*", "*", "*", "0"])))
    entries = {e.name: e for e in DataStoreTables(engine).read()}
    engine.dispose()
    assert "the trigger is NoneType, not bytes" in (entries["a.null"].read_only_reason or "")
    assert "args are not a list" in (entries["b.args"].read_only_reason or "")
    assert not entries["a.null"].enabled and not entries["b.args"].enabled and entries["a.null"].task == "app.jobs:run"
    good = entries["c.good"]
    assert (good.cron_expression, good.args, good.task, good.enabled) == ("* * * * *", [1], "other", False)
    assert good.options["coalesce"] == "all"
