"""APScheduler 3.x job states are read as data: real ones as before, hostile ones refused and harmless.

The real states are made by the installed APScheduler in another interpreter (this process
never imports it); the hostile ones are written opcode by opcode, as someone with write access
to the job table could.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kairos.integrations.apscheduler.pickles import MAX_DEPTH, Obj, RefusedPickle, read_pickle
from kairos.integrations.apscheduler.v3 import entry_of_job, entry_of_row
from tests.apscheduler_states import make_job_states

REAL = """
daily = scheduler.add_job("json:dumps", "cron", id="reports.daily", args=[[1, 2]], kwargs={"indent": 2},
                          hour=9, minute=30, day_of_week="mon-fri", timezone="Europe/Berlin")
for protocol in (2, 3, 4, 5):
    keep(f"reports.daily@{protocol}", daily, protocol)
keep("every.quarter", scheduler.add_job("time:time", "cron", id="every.quarter", minute="*/15", second=10))
keep("month.end", scheduler.add_job("time:time", "cron", id="month.end", day="last", month="jan-mar",
                                    hour="6-18/3", timezone="America/New_York"))
keep("weekend", scheduler.add_job("time:time", "cron", id="weekend", day_of_week="sat,sun", minute="0,30"))
warm = scheduler.add_job(
    "builtins:print", "interval", id="cache.warm", minutes=5, args=["x", 1.5, None, True, (1, 2)],
    kwargs={"sep": {"when": datetime(2030, 1, 1, 12, tzinfo=timezone.utc), "nested": {"a": [1, {"b": "c"}]}}},
    misfire_grace_time=30, coalesce=False, max_instances=3)
for protocol in (2, 5):
    keep(f"cache.warm@{protocol}", warm, protocol)
keep("launch", scheduler.add_job("time:time", "date", id="launch",
                                 run_date=datetime(2031, 1, 2, 3, 4, tzinfo=ZoneInfo("America/New_York"))))
keep("first.monday", scheduler.add_job("time:time", "cron", id="first.monday", day="1-7", day_of_week="mon", hour=6))
keep("second.monday", scheduler.add_job("time:time", "cron", id="second.monday", day="2nd mon"))
keep("in.2030", scheduler.add_job("time:time", "cron", id="in.2030", year=2030, hour=1))
keep("half.second", scheduler.add_job("time:time", "interval", id="half.second", seconds=1.5))

# What someone with write access to the table could make of a real job.
def fresh():
    return scheduler.add_job("time:time", "cron", day_of_week="mon-fri", hour=9)

keep("huge.range", (j := fresh()), change=lambda s: setattr(expression(j, "day_of_week"), "last", 10**8))
keep("day.ten", (j := fresh()), change=lambda s: setattr(expression(j, "day_of_week"), "last", 10))
keep("minute.99", (j := fresh()), change=lambda s: setattr(expression(j, "minute"), "first", 99))
keep("step.zero", (j := fresh()), change=lambda s: setattr(expression(j, "hour"), "step", 0))
keep("text.first", (j := fresh()), change=lambda s: setattr(expression(j, "hour"), "first", "* * * * *"))
keep("kwargs.five", fresh(), change=lambda s: s.update(kwargs=5))
loop = []
loop.append(loop)
keep("self.args", fresh(), change=lambda s: s.update(args=(loop,)))
"""

# name: (cron expression, time zone, interval seconds, run_at, read-only reason)
EXPECTED: dict[str, tuple[str | None, str, int | None, dt.datetime | None, str | None]] = {
    "reports.daily": ("30 9 * * mon,tue,wed,thu,fri", "Europe/Berlin", None, None, None),
    "every.quarter": ("10 */15 * * * *", "UTC", None, None, None),
    "month.end": ("0 6-18/3 L 1-3 *", "America/New_York", None, None, None),
    "weekend": ("0,30 * * * sat,sun", "UTC", None, None, None),
    "cache.warm": (None, "UTC", 300, None, None),
    "launch": (None, "UTC", None, dt.datetime(2031, 1, 2, 8, 4, tzinfo=dt.UTC), None),
    "first.monday": (None, "UTC", None, None, "APScheduler runs only on days matching both day and day_of_week, "
                                               "where cron runs on days matching either"),
    "second.monday": (None, "UTC", None, None, "the day field says '2nd mon', which cron cannot express here"),
    "in.2030": (None, "UTC", None, None, "cron has no year field (this trigger sets year=2030)"),
    "half.second": (None, "UTC", None, None, "an interval of 1.5 seconds is not whole seconds"),
}


@pytest.fixture(scope="module")
def states() -> dict[str, bytes]:
    return make_job_states(REAL)


def _entry(states: dict[str, bytes], name: str) -> Any:
    return entry_of_row(name.split("@")[0], states[name], 1.0)


def _pickle(*ops: bytes) -> bytes:
    return b"\x80\x04" + b"".join(ops) + b"."


def _str(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def _global(module: str, name: str) -> bytes:
    return _str(module) + _str(name) + b"\x93"


def test_real_job_states_read_as_before(states: dict[str, bytes]) -> None:
    for key in states:
        name = key.split("@")[0]
        if name not in EXPECTED:
            continue
        entry = _entry(states, key)
        assert (entry.cron_expression, entry.timezone, entry.interval_seconds, entry.run_at,
                entry.read_only_reason) == EXPECTED[name], key
        assert entry.enabled and entry.ref == {"id": name, "next_run_time": 1.0}
    daily = _entry(states, "reports.daily@5")
    assert (daily.task, daily.args, daily.kwargs) == ("json:dumps", [[1, 2]], {"indent": 2})
    assert daily.options == {"executor": "default", "misfire_grace_time": 1, "coalesce": True, "max_instances": 1}
    for key in ("cache.warm@2", "cache.warm@5"):
        warm = _entry(states, key)
        assert warm.task == "builtins:print" and warm.args == ["x", 1.5, None, True, [1, 2]]
        assert warm.kwargs == {"sep": {"nested": {"a": [1, {"b": "c"}]},
                                       "when": "datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)"}}
        assert warm.options == {"executor": "default", "misfire_grace_time": 30, "coalesce": False,
                                "max_instances": 3}


def test_a_cron_trigger_is_plain_data_with_a_real_zone(states: dict[str, bytes]) -> None:
    state = read_pickle(states["reports.daily@5"])
    trigger = state["trigger"]
    assert isinstance(trigger, Obj) and trigger.qualname == "apscheduler.triggers.cron.CronTrigger"
    assert trigger.state["timezone"] is ZoneInfo("Europe/Berlin")
    assert state["next_run_time"].tzinfo is ZoneInfo("Europe/Berlin")
    dow = next(f for f in trigger.state["fields"] if f.state["name"] == "day_of_week")
    assert dow.kind == "DayOfWeekField" and dow.state["expressions"] == [
        Obj("apscheduler.triggers.cron.expressions.WeekdayRangeExpression", {"step": None, "first": 0, "last": 4})]


def test_setting_zoneinfo_unpickle_changes_nothing_process_wide() -> None:
    # Before: BUILD set `_unpickle` on the reader's ZoneInfo stand-in, and every later zone in any
    # workspace's pickle came back as whatever this pickle chose.
    poison = _pickle(b"}", _str("z"), _global("zoneinfo", "ZoneInfo"), b"}", _str("_unpickle"),
                     _global("apscheduler.triggers.cron", "CronTrigger"), b"sbs")
    with pytest.raises(RefusedPickle, match=re.escape("sets attributes on zoneinfo.ZoneInfo")):
        read_pickle(poison)
    slots = _pickle(_global("copyreg", "_reconstructor"), b"N}", _str("__defaults__"), b"N\x85s\x86b")
    with pytest.raises(RefusedPickle, match=re.escape("sets attributes on copyreg._reconstructor")):
        read_pickle(slots)

    berlin = dt.datetime(2030, 6, 1, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    for protocol in (2, 3, 4, 5):
        assert read_pickle(pickle.dumps(ZoneInfo("Europe/Berlin"), protocol)) is ZoneInfo("Europe/Berlin")
        decoded = read_pickle(pickle.dumps({"when": berlin}, protocol))["when"]
        assert decoded == berlin and decoded.tzinfo is ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("module, name", [
    ("os", "system"), ("subprocess", "Popen"), ("builtins", "eval"), ("posix", "system"),
    ("zoneinfo", "ZoneInfo.from_file"), ("apscheduler.triggers.cron", "CronTrigger.from_crontab"),
])
def test_a_global_outside_the_allowlist_is_refused_by_name(module: str, name: str) -> None:
    calls = _pickle(_global(module, name), _str("echo pwned"), b"\x85R")
    with pytest.raises(RefusedPickle, match=re.escape(f"names {module}.{name}, which is not a trigger")):
        read_pickle(calls)
    old_style = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"X\x01\x00\x00\x00x\x85R."
    with pytest.raises(RefusedPickle, match=re.escape(f"names {module}.{name}, which")):
        read_pickle(old_style)


def test_getattr_reaches_only_the_zone_lookup() -> None:
    sneaky = _pickle(_global("builtins", "getattr"), _global("zoneinfo", "ZoneInfo"), _str("from_file"), b"\x86R")
    with pytest.raises(RefusedPickle, match=re.escape("names zoneinfo.ZoneInfo.from_file")):
        read_pickle(sneaky)


def test_a_huge_range_is_refused_with_the_field_limits(states: dict[str, bytes]) -> None:
    for name, reason in {
        "huge.range": "the day_of_week field has last value 100000000, outside 0-6",
        "day.ten": "the day_of_week field has last value 10, outside 0-6",
        "minute.99": "the minute field has first value 99, outside 0-59",
        "step.zero": "the hour field has step 0, which is not between 1 and 23",
        "text.first": "the hour field has first value '* * * * *', outside 0-23",
    }.items():
        entry = _entry(states, name)
        assert entry.cron_expression is None and entry.read_only_reason == reason, name


def test_shared_references_that_would_expand_are_refused() -> None:
    laughs: Any = ["lol"]
    for _ in range(60):
        laughs = [laughs, laughs]
    data = pickle.dumps({"version": 1, "id": "laughs", "args": (laughs,)}, 5)
    assert len(data) < 2000
    with pytest.raises(RefusedPickle, match="with its shared references expanded, would be larger than"):
        read_pickle(data)


def test_deep_nesting_is_refused() -> None:
    depth = 50_000
    deep = b"\x80\x04" + b"]" * depth + b"a" * (depth - 1) + b"."
    with pytest.raises(RefusedPickle, match=f"nested more than {MAX_DEPTH} deep"):
        read_pickle(deep)
    # The same depth made through the memo, with a short stack.
    chained = b"\x80\x04]\x94" + b"]h" + b"\x00" + b"a\x94" + b"".join(
        b"]h" + i.to_bytes(1, "little") + b"a\x94" for i in range(1, 200)) + b"."
    with pytest.raises(RefusedPickle, match=f"nested more than {MAX_DEPTH} deep"):
        read_pickle(chained)
    shallow: Any = []
    for _ in range(MAX_DEPTH - 1):
        shallow = [shallow]
    assert read_pickle(pickle.dumps(shallow)) == shallow


def test_self_referencing_args_and_odd_kwargs_are_that_row_s_reason(states: dict[str, bytes]) -> None:
    looped = _entry(states, "self.args")
    assert looped.enabled is False and "contains itself (a reference cycle)" in (looped.read_only_reason or "")
    five = _entry(states, "kwargs.five")
    assert five.enabled is False and five.read_only_reason == "the job's args are not a list or its kwargs not a dict"
    with pytest.raises(RefusedPickle, match="contains itself"):
        read_pickle(states["self.args"])


MALFORMED = {
    "not a pickle": (b"not a pickle", "not a readable pickle"),
    "many opcodes": (b"\x80\x05" + b"N" * 250_000 + b".", "more than 200,000 opcodes"),
    "large": (b"\x80\x05\x8e" + (2_000_000).to_bytes(8, "little") + b"x" * 2_000_000 + b".",
              "larger than 1,000,000 bytes"),
    "persistent id": (b"\x80\x04\x8c\x01x\x94Q.", "opcode BINPERSID"),
    "unknown memo": (b"\x80\x04h\x07.", "memo entry 7, which it never made"),
    "many marks": (b"\x80\x04" + b"(" * 150 + b".", "nested more than 100 deep"),
    "long integer": (b"\x80\x04\x8a\xff" + b"\x01" * 255 + b".", "an integer of more than 1024 bits"),
}


@pytest.mark.parametrize("data, reason", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_or_oversized_pickles_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(RefusedPickle, match=reason):
        read_pickle(data)


def test_a_row_that_is_not_bytes_is_that_row_s_reason() -> None:
    entry = entry_of_row("odd", None, 1.0)
    assert entry.enabled is False and "the job state is NoneType, not bytes" in (entry.read_only_reason or "")
    assert entry_of_job("x", [], None).read_only_reason == "the job state is not a dict"
