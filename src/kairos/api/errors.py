"""Every error leaves as application/problem+json (RFC 9457), through the handlers here."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kairos.api.schemas.common import FIELD_LOC
from kairos.exceptions import InvalidInput, KairosError

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _loc(raw: tuple[Any, ...] | list[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in raw]


def validation_errors(raw_errors: list[Any], prefix: tuple[str | int, ...] = ()) -> list[dict[str, Any]]:
    errors = []
    for err in raw_errors:
        # A model-level validator's error names its field in its context (schemas.common.field_error).
        field_loc = (err.get("ctx") or {}).get(FIELD_LOC, ())
        loc = _loc(tuple(prefix) + tuple(err.get("loc", ())) + tuple(field_loc))
        msg = str(err.get("msg", "invalid"))
        if "input" in err and err["input"] is None and str(err.get("type", "")).endswith(("_type", "literal_error")):
            msg = "may not be null: leave the field out to keep its value"
        elif err.get("type") == "extra_forbidden":
            msg = "unknown field"
        elif err.get("type") == "json_invalid":
            msg = "the body is not valid JSON"
        msg = msg.removeprefix("Value error, ")
        errors.append({"loc": loc, "msg": msg})
    return errors


def _detail(errors: list[dict[str, Any]]) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(KairosError)
    async def _kairos_error(_: Request, exc: KairosError) -> JSONResponse:
        errors = []
        if isinstance(exc, InvalidInput):
            errors = [{"loc": ["body", *e.loc] if e.loc and e.loc[0] not in ("query", "path", "body", "header")
                       else list(e.loc), "msg": e.msg} for e in exc.errors]
        return problem(exc.status, exc.detail, errors, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        return problem(400, _detail(errors), errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        # A value the database refused (out of range, untranslatable) is the client's input.
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem(400, "a value in the request cannot be stored (out of range or not "
                            "representable)")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal error; it has been logged")
