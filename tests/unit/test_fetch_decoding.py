"""Pure parts of fetching: reading Retry-After, and choosing a page's character encoding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kairos.kinds.scrape.fetch import decode
from kairos.outbound import retry_after_seconds

NOW = datetime(2025, 1, 15, 10, 30, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120.0),
    (" 0 ", 0.0),
    ("Wed, 15 Jan 2025 10:30:45 GMT", 45.0),
    ("Wed, 15 Jan 2025 10:29:00 GMT", 0.0),  # a date in the past: retry now
    (None, None),
    ("", None),
    ("soon", None),
    ("-5", None),
    ("1.5", None),  # not delta-seconds as RFC 9110 writes them
])
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


def test_header_charset() -> None:
    assert decode("Grüße".encode("latin-1"), "text/html; charset=ISO-8859-1")[1] == "Grüße"


def test_meta_charset_when_the_header_has_none() -> None:
    body = '<meta charset="windows-1252"><p>“quoted”</p>'.encode("cp1252")
    assert "“quoted”" in decode(body, "text/html")[1]


def test_the_header_wins_over_meta() -> None:
    body = '<meta charset="koi8-r"><p>Grüße</p>'.encode()
    assert "Grüße" in decode(body, "text/html; charset=utf-8")[1]


def test_a_bom_wins_over_the_header() -> None:
    body = "\ufeffGrüße".encode("utf-16-be")
    encoding, text = decode(body, "text/html; charset=iso-8859-1")
    assert text == "Grüße" and encoding.startswith("utf-16")


def test_no_declaration_is_utf8_with_replacement() -> None:
    encoding, text = decode(b"ok \xe2\x82\xac \xff", None)
    assert (encoding, text) == ("utf-8", "ok € \ufffd")
