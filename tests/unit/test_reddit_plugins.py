"""The built-in post plugins, and how plugins are found, checked at create time and run in order."""

from __future__ import annotations

from typing import Any

from kairos.domain.payloads import FieldErrors
from kairos.kinds.reddit.builtin_plugins import extract_links, keyword_tags, mask_pii
from kairos.kinds.reddit.fields import reddit_payload
from kairos.kinds.reddit.plugins import available, run_plugins


def post(**fields: Any) -> dict[str, Any]:
    return {"id": "abc", "title": "Title", "selftext": "", "url": "https://www.reddit.com/r/x/comments/abc/",
            "is_self": True, "comments": [], **fields}


def test_mask_pii_hides_addresses_and_phone_numbers_but_not_other_numbers() -> None:
    masked = mask_pii(post(selftext="mail jane.doe+x@example.co.uk or call +1 (555) 123-4567 or 030 1234 5678; "
                                    "it was 2026, score 12345, see r/1234567"),
                      {})
    assert masked["selftext"] == ("mail [email] or call [phone] or [phone]; it was 2026, score 12345, "
                                  "see r/1234567")


def test_mask_pii_reaches_every_comment_of_the_tree() -> None:
    deep = {"body": "reach me at a@b.io", "replies": []}
    masked = mask_pii(post(comments=[{"body": "555-123-4567", "replies": [deep]}]), {})
    assert masked["comments"][0]["body"] == "[phone]"
    assert masked["comments"][0]["replies"][0]["body"] == "reach me at [email]"


def test_extract_links_collects_each_url_once_in_order() -> None:
    found = extract_links(post(is_self=False, url="https://example.com/a?x=1&y=2",
                               selftext="see https://example.com/b. and (https://example.com/c)",
                               comments=[{"body": "again https://example.com/a?x=1&y=2", "replies": []}]), {})
    assert found["links"] == ["https://example.com/a?x=1&y=2", "https://example.com/b", "https://example.com/c"]


def test_keyword_tags_take_words_or_groups_from_config() -> None:
    item = post(title="Rust 2.0 released", comments=[{"body": "Python folks are jealous", "replies": []}])
    assert keyword_tags(item, {"keywords": ["rust", "go", "python"]})["tags"] == ["rust", "python"]
    grouped = keyword_tags(item, {"keywords": {"systems": ["rust", "zig"], "web": "django"}})
    assert grouped["tags"] == ["systems"]
    assert keyword_tags(item, {})["tags"] == []


def test_plugins_run_in_order_and_a_failing_one_is_reported_not_fatal() -> None:
    assert {"mask_pii", "extract_links", "keyword_tags"} <= set(available())
    item = run_plugins(["extract_links", "mask_pii"], post(selftext="x@y.com https://x@y.com/z"), {})
    assert item["links"] == ["https://x@y.com/z"] and "[email]" in item["selftext"]
    broken = run_plugins(["keyword_tags", "extract_links"], post(selftext="https://example.com/ok"), {"keywords": 5})
    assert broken["plugin_errors"] == ["keyword_tags: AttributeError: 'int' object has no attribute 'items'"]
    assert broken["links"] == ["https://example.com/ok"]  # the plugins after it still ran


def test_an_unknown_plugin_is_refused_when_the_job_is_made() -> None:
    errors = FieldErrors()
    reddit_payload({"target": "python", "plugins": ["mask_pii", "nope"]}, errors, default_mode="full")
    assert [(e.loc, e.msg.split(" (")[0]) for e in errors.items] == [
        (("plugins.1",), "no plugin named 'nope' is installed")]


def test_defaults_follow_the_seeds() -> None:
    errors = FieldErrors()
    job = reddit_payload({"target": "r/technology"}, errors, default_mode="full")
    schedule = reddit_payload({"target": "technology"}, errors, default_mode="history")
    assert not errors.items
    assert job == {"target": "technology", "target_type": "subreddit", "mode": "full", "limit": 100,
                   "download_media": True, "scrape_comments": True, "plugins": [], "config": {}}
    assert schedule["mode"] == "history"


def test_a_plugin_editing_in_place_is_checked_and_one_that_breaks_midway_is_undone(monkeypatch: Any) -> None:
    import kairos.kinds.reddit.plugins as plugins

    def nulls_the_score(item: dict[str, Any], config: Any) -> None:
        item["score"] = None
        item["first_seen_at"] = "forged"

    def breaks_midway(item: dict[str, Any], config: Any) -> None:
        item["title"] = "half-edited"
        raise RuntimeError("gave up")

    monkeypatch.setattr(plugins, "available", lambda: {"nulls": nulls_the_score, "breaks": breaks_midway})
    item = run_plugins(["nulls", "breaks"], post(score=42), {})
    assert item["score"] == 42 and "first_seen_at" not in item  # in-place edits are checked too
    assert item["title"] == "Title"  # the plugin that raised leaves the post as it was
    assert item["plugin_errors"] == ["nulls: score must stay int; Reddit's value was kept",
                                     "breaks: RuntimeError: gave up"]
