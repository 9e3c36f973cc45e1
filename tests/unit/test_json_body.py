"""decode_json, the one strict reading of a JSON body that the routes and the dialects share."""

from __future__ import annotations

import pytest

from kairos.api.json_body import decode_json
from kairos.exceptions import InvalidInput


def test_plain_json_reads_as_json() -> None:
    assert decode_json(b'{"a": [1, 2.5, "\xc3\xa9", null, true]}') == {"a": [1, 2.5, "é", None, True]}
    assert decode_json(b"[]", "application/json; charset=utf-8") == []


@pytest.mark.parametrize(("raw", "loc"), [
    (b'{"a": 1, "a": 1}', ("body", "a")),
    (b'{"x": {"b": 1, "b": 2}}', ("body", "b")),
    (b'{"a": NaN}', ("body",)),
    (b'[Infinity]', ("body",)),
    (b'[-Infinity]', ("body",)),
    (b'[1e309]', ("body",)),
    (b'[1' + b'0' * 5000 + b']', ("body",)),
    (b'\xff\xfe{\x00}\x00', ("body",)),
    (b'{"a": ', ("body",)),
])
def test_what_is_refused_and_where(raw: bytes, loc: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_json(raw)
    assert caught.value.errors[0].loc == loc


def test_a_charset_other_than_utf8_is_refused_even_for_plain_bytes() -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_json(b"{}", "text/plain; charset=latin-1")
    assert caught.value.errors[0].loc == ("header", "Content-Type")
