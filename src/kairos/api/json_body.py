"""Strict JSON request bodies: one reading of RFC 8259 for every route and every dialect.

Python's `json` module is lenient where a lenient reading hurts: it lets the last of two equal keys
win (`{"role": "viewer", "role": "admin"}` would mint an admin key while a reviewer reads "viewer"),
accepts `NaN` and `Infinity` (stored on SQLite, later emitted as invalid JSON), turns `1e400` into
infinity, and guesses UTF-16 or UTF-32 from the bytes. Here each of those is a 400 naming what is
wrong, before any route sees the body.

`decode_json(raw, content_type)` is the one function; the dialects call it on raw bytes whatever the
`Content-Type`. `StrictJSONRoute` makes FastAPI's own body parsing go through it, so OpenAPI and
model validation stay FastAPI's.
"""

from __future__ import annotations

import email.message
import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from kairos.exceptions import FieldError, InvalidInput

CONTENT_TYPE_LOC = ("header", "Content-Type")
UTF8_NAMES = frozenset({"utf-8", "utf8"})


class _Refused(ValueError):
    """Raised inside the parser's hooks; carries the location and message of the problem."""

    def __init__(self, loc: tuple[str | int, ...], msg: str) -> None:
        super().__init__(msg)
        self.loc = loc
        self.msg = msg


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _Refused(("body", key), f"duplicate key {key!r}: send each key once")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise _Refused(("body",), f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(("body",), f"the number {text[:40]} is out of range")
    return value


def charset_of(content_type: str | None) -> str | None:
    """The `charset` parameter of a Content-Type header, lower-cased, or None."""
    if not content_type:
        return None
    message = email.message.Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    return str(charset).strip().lower() if isinstance(charset, str) else None


def is_json_content_type(content_type: str | None) -> bool:
    """True for `application/json` and `application/*+json`, as FastAPI decides."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def decode_json(raw: bytes, content_type: str | None = None) -> Any:
    """The JSON value of a request body, or InvalidInput (400) saying what is wrong with it.

    Refused: a charset other than UTF-8 in `content_type`, bytes that are not UTF-8, text that is
    not JSON, a key twice in one object, `NaN`/`Infinity`, and numbers too large for a double.
    """
    charset = charset_of(content_type)
    if charset is not None and charset not in UTF8_NAMES:
        raise InvalidInput(errors=[FieldError(CONTENT_TYPE_LOC,
                                              f"charset {charset!r} is not accepted: JSON bodies are UTF-8")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(errors=[FieldError(("body",), f"the body is not UTF-8 (byte {exc.start})")]) from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant,
                          parse_float=_finite_float)
    except _Refused as exc:
        raise InvalidInput(errors=[FieldError(exc.loc, exc.msg)]) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(errors=[FieldError(("body",), f"the body is not valid JSON: {exc.msg} "
                                                         f"at line {exc.lineno} column {exc.colno}")]) from None
    except ValueError as exc:  # an integer past Python's digit limit
        raise InvalidInput(errors=[FieldError(("body",), f"the body cannot be read: {exc}")]) from None


class StrictJSONRequest(Request):
    """A request whose `json()` is `decode_json`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = decode_json(await self.body(), self.headers.get("content-type"))
        return self._json


class StrictJSONRoute(APIRoute):
    """The route class of every canonical router: bodies are decoded strictly, before FastAPI.

    The body is decoded here, outside FastAPI's parsing (which would turn any error into a bare
    "There was an error parsing the body"), so the 400 names the key or header at fault.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            strict = StrictJSONRequest(request.scope, request.receive)
            if is_json_content_type(strict.headers.get("content-type")) and await strict.body():
                await strict.json()
            return await handler(strict)

        return strict_handler
