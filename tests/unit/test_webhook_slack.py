"""Slack messages say what changed in words, with links only when Kairos knows its address."""

from __future__ import annotations

from typing import Any

from kairos.delivery.slack import slack_message
from kairos.domain.webhooks import is_slack_url


def body(**fields: Any) -> dict[str, Any]:
    return {"job_id": "job_1", "schedule_id": "sched_1", "status": "completed", "item_count": 3,
            "has_changes": True, **fields}


def summary(**fields: Any) -> dict[str, Any]:
    return {"schedule_name": "Flights", "added_count": 2, "removed_count": 1,
            "added": [{"title": "Lisbon €49", "url": "https://fly.example/lis"}, {"name": "Oslo"}],
            **fields}


def test_a_change_lists_counts_and_the_added_items() -> None:
    text = slack_message(body(), summary(), base_url=None)["text"]
    assert text.splitlines() == [
        ":white_check_mark: *Flights* completed: 3 item(s)",
        "Changes: 2 added, 1 removed.",
        "• <https://fly.example/lis|Lisbon €49>",
        "• Oslo",
    ]


def test_no_link_to_kairos_without_a_public_url_and_one_with_it() -> None:
    assert "dashboard" not in slack_message(body(), summary(), base_url=None)["text"]
    text = slack_message(body(), summary(), base_url="https://kairos.example.com/")["text"]
    assert "<https://kairos.example.com/dashboard#/jobs/job_1|Flights>" in text


def test_unchanged_and_failed_runs() -> None:
    same = slack_message(body(has_changes=False), summary(), base_url=None)["text"]
    assert same.endswith("No changes since the previous run.")
    failed = slack_message(body(status="failed", item_count=0, error_message="timed out"), summary(),
                           base_url=None)["text"]
    assert failed.startswith(":x: *Flights* failed") and "> timed out" in failed


def test_more_added_items_than_shown_are_counted() -> None:
    text = slack_message(body(), summary(added_count=40), base_url=None)["text"]
    assert text.endswith("…and 38 more")


def test_control_characters_are_escaped() -> None:
    text = slack_message(body(), summary(schedule_name="<!channel> & co", added=["a<b>"]), base_url=None)["text"]
    assert "&lt;!channel&gt; &amp; co" in text and "a&lt;b&gt;" in text


def test_slack_urls_are_recognised() -> None:
    assert is_slack_url("https://hooks.slack.com/services/T/B/X")
    assert not is_slack_url("https://hooks.slack.com.evil.example/x")
    assert not is_slack_url("https://example.com/hooks.slack.com")
