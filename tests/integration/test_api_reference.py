"""`/docs` works offline, and the reference has an example for every body and every answer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel

from kairos.api.compat import DIALECTS
from kairos.api.examples import answer_examples
from kairos.kinds.catalog import KINDS
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.access_helpers import make_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One app for the module: its OpenAPI document is generated once and cached."""
    url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'k.db'}"
    upgrade(url)
    return make_app(SqlStore(url), "kr_reference_key")


def test_the_reference_page_and_its_assets_come_from_this_server(app: FastAPI) -> None:
    client = TestClient(app)
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/docs/assets/") for a in assets), assets
    assert "https://" not in page.text and "cdn" not in page.text
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 100, asset
    assert client.get("/docs/oauth2-redirect").status_code == 200


def _resolved(schemas: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _has_example(schemas: dict[str, Any], media: dict[str, Any]) -> bool:
    if "example" in media or "examples" in media:
        return True
    schema = _resolved(schemas, media.get("schema", {}))
    if schema.get("type") == "array":
        schema = _resolved(schemas, schema.get("items", {}))
    return "examples" in schema or "example" in schema


def test_every_request_body_and_success_answer_has_an_example(app: FastAPI) -> None:
    spec = app.openapi()
    schemas = spec["components"]["schemas"]
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and not _has_example(schemas, body):
                missing.append(f"{method.upper()} {path} body")
            for status, answer in operation["responses"].items():
                content = answer.get("content", {})
                media = content.get("application/json") or next(iter(content.values()), None)
                if status.startswith("2") and status != "204" and (media is None or not _has_example(schemas, media)):
                    missing.append(f"{method.upper()} {path} {status}")
    assert missing == []


def test_each_dialect_is_under_its_own_tag_and_described(app: FastAPI) -> None:
    spec = app.openapi()
    tags = {tag["name"]: tag["description"] for tag in spec["tags"]}
    for name, module in DIALECTS.items():
        assert f"/compat/{name}" in tags[module.TAG]
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            dialect = [t for t in operation["tags"] if t.startswith("dialect:")]
            assert bool(dialect) == (path.startswith("/compat/") or path.startswith(
                ("/api/agents/", "/api/v1/projects/", "/api/schedules"))), path
            assert len(operation["tags"]) == 1


def _schema_examples(model: Any) -> list[Any]:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    extra = model.model_config.get("json_schema_extra")
    return list(extra.get("examples", [])) if isinstance(extra, dict) else []


def _models_and_examples(app: FastAPI) -> list[tuple[Any, Any, str]]:
    found: list[tuple[Any, Any, str]] = [
        (model, example, f"answer {model.__name__}") for model, example in answer_examples().items()]
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        models = [route.response_model]
        if route.body_field is not None:
            body_model = route.body_field.field_info.annotation
            models.append(body_model)
            for name, example in (route.body_field.field_info.openapi_examples or {}).items():
                found.append((body_model, example["value"], f"{context.path} body {name}"))
        for model in models:
            found += [(model, example, f"{context.path} {model.__name__}") for example in _schema_examples(model)]
    return found


def test_every_example_is_valid_for_its_model(app: FastAPI) -> None:
    checked = _models_and_examples(app)
    wrong = []
    for model, example, where in checked:
        if where.startswith("/compat/reddit/") and " body " in where and KINDS.get("reddit") is None:
            continue  # the reddit dialect's bodies need the reddit kind's fields
        try:
            model.model_validate(example)
        except Exception as exc:
            wrong.append(f"{where}: {str(exc)[:300]}")
    assert wrong == []
    assert len(checked) > 40
