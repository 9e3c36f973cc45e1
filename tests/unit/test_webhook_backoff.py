"""When failed deliveries are tried again."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from kairos.delivery.backoff import DEFAULT_DELAYS, Backoff, parse_delays
from kairos.delivery.deliverer import classify
from kairos.store.delivery import AttemptResult

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def test_the_default_schedule_makes_at_least_five_attempts_over_hours() -> None:
    backoff = Backoff()
    assert backoff.max_attempts >= 5
    assert timedelta(seconds=sum(DEFAULT_DELAYS)) > timedelta(hours=6)
    assert list(DEFAULT_DELAYS) == sorted(DEFAULT_DELAYS)


def test_each_delay_is_its_step_plus_or_minus_the_jitter() -> None:
    backoff = Backoff()
    rng = random.Random(7)
    for made, base in enumerate(DEFAULT_DELAYS, start=1):
        for _ in range(50):
            at = backoff.next_attempt_at(made, NOW, rng)
            assert at is not None
            assert base * 0.8 <= (at - NOW).total_seconds() <= base * 1.2


def test_jitter_spreads_deliveries_that_failed_together() -> None:
    rng = random.Random(1)
    times = {Backoff().next_attempt_at(1, NOW, rng) for _ in range(20)}
    assert len(times) > 10


def test_no_more_attempts_once_the_delays_are_used_up() -> None:
    backoff = Backoff(delays=(1.0, 2.0), jitter=0.0)
    rng = random.Random(0)
    assert backoff.next_attempt_at(1, NOW, rng) == NOW + timedelta(seconds=1)
    assert backoff.next_attempt_at(2, NOW, rng) == NOW + timedelta(seconds=2)
    assert backoff.next_attempt_at(3, NOW, rng) is None
    assert backoff.max_attempts == 3


def test_delays_from_the_setting() -> None:
    assert parse_delays("30, 120,600") == (30.0, 120.0, 600.0)
    for bad in ("", "a,b", "-1"):
        with pytest.raises(ValueError):
            parse_delays(bad)


@pytest.mark.parametrize(("code", "result"), [
    (200, AttemptResult.DELIVERED), (204, AttemptResult.DELIVERED), (410, AttemptResult.FAILED),
    (301, AttemptResult.RETRY), (302, AttemptResult.RETRY), (400, AttemptResult.RETRY),
    (404, AttemptResult.RETRY), (429, AttemptResult.RETRY), (500, AttemptResult.RETRY),
])
def test_what_an_answer_means(code: int, result: AttemptResult) -> None:
    assert classify(code, None)[0] == result


def test_a_redirect_is_noted_as_not_followed() -> None:
    _, error = classify(307, "https://elsewhere.example/")
    assert error == "answered 307 (redirect to https://elsewhere.example/); redirects are not followed"
