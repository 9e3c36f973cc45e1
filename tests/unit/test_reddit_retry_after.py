"""Reddit's Retry-After as a wait: unreadable values are no wait hint (never an error that fails the
job), and no answer parks a job for longer than Reddit's ten-minute window."""

from __future__ import annotations

import httpx
import pytest

from kairos.kinds.reddit.auth import MAX_RETRY_AFTER, retry_after_seconds


@pytest.mark.parametrize("value", ["soon", "inf", "-", "1e309", ""])
def test_an_unreadable_value_is_no_hint(value: str) -> None:
    assert retry_after_seconds(httpx.Headers({"Retry-After": value})) is None


def test_seconds_are_capped_at_the_rate_limit_window() -> None:
    assert retry_after_seconds(httpx.Headers({"Retry-After": "7"})) == 7.0
    assert retry_after_seconds(httpx.Headers({"Retry-After": "86400"})) == MAX_RETRY_AFTER


def test_a_date_in_the_past_is_no_wait_and_one_far_ahead_is_capped() -> None:
    assert retry_after_seconds(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after_seconds(httpx.Headers({"Retry-After": "Fri, 01 Jan 2100 00:00:00"})) == MAX_RETRY_AFTER
    assert retry_after_seconds(httpx.Headers({})) is None
