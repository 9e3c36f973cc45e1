"""The OpenAPI document as the API really answers: errors as problem+json, every status it sends.

FastAPI documents a 422 that Kairos never sends (invalid input is a 400) and describes error
bodies as `application/json`. This rewrites the generated document once: error answers are
`application/problem+json`, the 422 and its schemas are gone, and the answers every route can give
(400 for a bad URL, 413 for a large body, 429 for a throttled caller, 409 for an Idempotency-Key
in use) are listed where they apply, with the `Idempotency-Key` header on every POST.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from kairos.api.errors import PROBLEM
from kairos.api.idempotency import PARAMETER

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
UNUSED_SCHEMAS = ("HTTPValidationError", "ValidationError")
DESCRIPTIONS = {
    "400": "Invalid input: each bad field is named in `errors`",
    "401": "No or bad credentials",
    "403": "Your role does not allow this, or the CSRF token is missing",
    "404": "Not found, or in another workspace",
    "409": "Conflict (for a POST: its Idempotency-Key is in use by another request or another body)",
    "413": "The request body is larger than 1 MiB",
    "429": "Too many failed attempts from this address; see Retry-After",
}


def _problem(status: str) -> dict[str, Any]:
    return {"description": DESCRIPTIONS[status], "content": {PROBLEM: {"schema": PROBLEM_REF}}}


def _fix_operation(method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    needed = ["400"]
    if "401" in responses:  # it needs credentials, so a bad key can be throttled
        needed += ["401", "403", "404", "429"]
    if "requestBody" in operation:
        needed.append("413")
    if method == "post":
        needed.append("409")
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name") == PARAMETER["name"] and p.get("in") == "header" for p in parameters):
            parameters.append(dict(PARAMETER))
    for status in needed:
        responses.setdefault(status, _problem(status))
    for status, response in responses.items():
        if status[:1] in ("4", "5") and "application/json" in response.get("content", {}):
            response["content"] = {PROBLEM: response["content"].pop("application/json")}


def fix_document(document: dict[str, Any]) -> dict[str, Any]:
    """The generated document, corrected in place (and returned)."""
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if isinstance(operation, dict) and "responses" in operation:
                _fix_operation(method, operation)
    schemas = document.get("components", {}).get("schemas", {})
    for name in UNUSED_SCHEMAS:
        schemas.pop(name, None)
    return document


def install(app: FastAPI) -> None:
    """Serve the corrected document at /openapi.json (and to /docs)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = fix_document(get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes,
                tags=app.openapi_tags))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
