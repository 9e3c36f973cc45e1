"""A schedule's webhook fields on create and on update."""

from __future__ import annotations

from typing import Any

from kairos.domain.webhooks import webhook_columns


def columns(values: dict[str, Any], current: dict[str, Any] | None = None, *,
            private: bool = False) -> tuple[dict[str, Any], list[str]]:
    result, errors = webhook_columns(values, current, allow_private_networks=private)
    return result, [str(e.loc[0]) for e in errors]


def test_no_webhook_means_no_secret() -> None:
    result, errors = columns({})
    assert errors == [] and result == {"webhook_url": None, "webhook_type": None,
                                       "webhook_metadata": {}, "webhook_secret": None}


def test_private_addresses_are_allowed_only_when_configured() -> None:
    assert columns({"webhook_url": "http://10.0.0.5/h"})[1] == ["webhook_url"]
    assert columns({"webhook_url": "http://app.localhost/h"})[1] == ["webhook_url"]
    result, errors = columns({"webhook_url": "http://10.0.0.5/h"}, private=True)
    assert errors == [] and result["webhook_type"] == "standard"


def test_addresses_written_as_numbers_are_read_as_the_resolver_reads_them() -> None:
    """`0`, decimal, hex, octal and short forms reach loopback or 0.0.0.0 at connect time: refused on save."""
    for url in ("http://0/", "http://0:8080/h", "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/",
                "http://127.1/", "http://[::ffff:127.0.0.1]/", "http://LOCALHOST./", "http://169.254.169.254/"):
        assert columns({"webhook_url": url})[1] == ["webhook_url"], url
        assert columns({"webhook_url": url}, private=True)[1] == [], url
    for url in ("https://hooks.example.com/k", "http://134744072/", "http://8.8.8.8/", "http://0x08080808/"):
        assert columns({"webhook_url": url})[1] == [], url


def test_an_update_keeps_what_it_does_not_touch() -> None:
    current = {"webhook_url": "https://hooks.slack.com/services/x", "webhook_type": "slack",
               "webhook_metadata": {"a": 1}, "webhook_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
    result, errors = columns({"webhook_metadata": {"b": 2}}, current)
    assert errors == []
    assert result == {**current, "webhook_metadata": {"b": 2}}


def test_an_explicit_type_wins_over_detection() -> None:
    result, _ = columns({"webhook_url": "https://hooks.slack.com/services/x", "webhook_type": "standard"})
    assert result["webhook_type"] == "standard"


def test_removing_the_url_clears_the_type_and_keeps_the_secret() -> None:
    current = {"webhook_url": "https://a.example/h", "webhook_type": "standard",
               "webhook_metadata": {}, "webhook_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
    result, errors = columns({"webhook_url": None}, current)
    assert errors == [] and result["webhook_url"] is None and result["webhook_type"] is None
    assert result["webhook_secret"] == current["webhook_secret"]
