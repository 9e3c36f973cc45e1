"""Reddit's budget maths: go at full speed while the budget covers the window, then spread it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kairos.domain.reddit_budget import Budget, observe, take, throttled

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def test_an_unknown_or_finished_window_lets_the_request_go() -> None:
    assert take(Budget(remaining=None, reset_at=None, next_at=NOW), NOW).wait_seconds == 0
    assert take(Budget(remaining=0, reset_at=at(-1), next_at=at(-1)), NOW).wait_seconds == 0


def test_plenty_left_goes_at_once_and_little_left_is_spread_over_the_window() -> None:
    plenty = take(Budget(remaining=90, reset_at=at(60), next_at=NOW), NOW)
    assert plenty.wait_seconds == 0 and plenty.after is not None and plenty.after.next_at == NOW
    assert plenty.after.remaining == 89
    little = take(Budget(remaining=11, reset_at=at(60), next_at=NOW), NOW)
    assert little.after is not None and little.after.next_at == at(6)  # 60 s over the 10 left
    assert take(little.after, at(1)).wait_seconds == 5


def test_an_empty_budget_waits_for_the_reset() -> None:
    assert take(Budget(remaining=0, reset_at=at(42), next_at=NOW), NOW).wait_seconds == 42


def test_answers_arriving_out_of_order_never_raise_the_budget_within_a_window() -> None:
    budget = Budget(remaining=50, reset_at=at(30), next_at=NOW)
    assert observe(budget, remaining=55, reset_seconds=30, now=NOW).remaining == 50
    assert observe(budget, remaining=40, reset_seconds=30, now=NOW).remaining == 40
    fresh = observe(budget, remaining=99, reset_seconds=600, now=NOW)  # a new window began
    assert fresh.remaining == 99 and fresh.reset_at == at(600)


def test_a_429_stops_everyone_on_the_credential_until_the_wait_is_over() -> None:
    stopped = throttled(Budget(remaining=50, reset_at=at(30), next_at=NOW), wait_seconds=7, now=NOW)
    assert take(stopped, at(3)).wait_seconds == 4
    assert take(stopped, at(7)).wait_seconds == 0
