"""Schemathesis drives every operation of the app's own OpenAPI document, as admin and as viewer,
on SQLite and PostgreSQL: no server error, every status and content type documented, every answer
matching its schema. Afterwards every stored row still reads back through the API as valid JSON.

Bounded by FUZZ_EXAMPLES per operation and mode (KAIROS_FUZZ_EXAMPLES overrides it, to dig deeper
by hand). The figures of a run are printed: `pytest -s tests/integration/test_openapi_fuzz.py` shows them.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kairos.api.app import create_app
from kairos.api.auth import bootstrap, create_key
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow

FUZZ_EXAMPLES = int(os.environ.get("KAIROS_FUZZ_EXAMPLES", "3"))
ADMIN = "kr_fuzz_admin_key"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Paths a fuzzer cannot use meaningfully or that end the caller's own access.
SKIPPED = {("POST", "/api/v1/auth/logout")}


@pytest.fixture(scope="module")
def fuzz_app(module_database_url: str) -> Iterator[tuple[FastAPI, SqlStore, dict[str, str]]]:
    store = SqlStore(module_database_url)
    bootstrap(store, utcnow(), ADMIN)
    runtime = Runtime.build(Settings(min_interval_seconds=60), store, frozenset({"api"}))
    app = create_app(runtime, start_loops=False)
    ids = _seed(app)
    ws = store.get_workspace("default")
    _, viewer = create_key(store, ws.id, name="fuzz viewer", role="viewer", now=utcnow())
    ids["viewer"] = viewer
    yield app, store, ids
    store.close()


def _seed(app: FastAPI) -> dict[str, str]:
    """A resource of each kind, so that path ids sometimes name something real."""
    with TestClient(app, base_url="http://testserver/api/v1/workspaces/default",
                    headers={"X-API-Key": ADMIN}) as client:
        strategy = client.post("/strategies", json={"name": "s", "type": "json", "item": "items",
                                                    "fields": {"t": "title"}}).json()["id"]
        schedule = client.post("/schedules", json={
            "name": "seed", "cron_expression": "0 9 * * MON-FRI", "timezone": "Europe/Berlin",
            "task": "kairos.echo", "webhook_url": "https://example.com/hook"}).json()["id"]
        job = client.post(f"/schedules/{schedule}/trigger").json()["id"]
        key = client.post("/api-keys", json={"name": "k", "role": "viewer"}).json()["id"]
    return {"strategy_id": strategy, "schedule_id": schedule, "job_id": job, "key_id": key}


@dataclass(frozen=True)
class Drawn:
    case: Any
    real: bool  # aim the path's ids at the seeded resources
    path: dict[str, Any]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Drawn]:
    """The cases, drawn once from the document and sent to every database and role.

    Drawing costs more than sending, so it is done once; the document does not depend on the
    database behind the app.
    """
    url = f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'doc.db'}"
    upgrade(url)
    store = SqlStore(url)
    app = create_app(Runtime.build(Settings(), store, frozenset({"api"})), start_loops=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    drawn: list[Drawn] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        # Only a body or a query can be made invalid in ways worth sending (a path id is any text).
        negative = bool(len(operation.body) or len(operation.query))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)[:2 if negative else 1]:

            @hypothesis.given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
            @hypothesis.settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
                                 phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            def draw(case: Any, real: bool) -> None:
                drawn.append(Drawn(case=case, real=real, path=dict(case.path_parameters or {})))

            with contextlib.suppress(Unsatisfiable):  # nothing left to make invalid
                draw()
    store.close()
    return drawn


def _aim(drawn: Drawn, ids: dict[str, str]) -> None:
    params = drawn.case.path_parameters
    if params is None:
        return
    params.update(drawn.path)
    if "workspace" in params:
        params["workspace"] = "default"
    if drawn.real:
        params.update({name: ids[name] for name in params if name in ids})


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_no_operation_answers_outside_its_contract(role: str, fuzz_app: tuple[FastAPI, SqlStore, dict[str, str]],
                                                   corpus: list[Drawn], module_database_url: str) -> None:
    app, _, ids = fuzz_app
    key = ADMIN if role == "admin" else ids["viewer"]
    statuses: Counter[int] = Counter()
    failures: dict[str, str] = {}
    for drawn in corpus:
        _aim(drawn, ids)
        headers = {"X-API-Key": key}
        try:
            response = drawn.case.call(app=app, headers=headers)
        except Exception as exc:  # the app raised: a server error
            statuses[500] += 1
            failures.setdefault(f"{drawn.case.operation.label} {type(exc).__name__}",
                                f"{exc}\n{drawn.case.as_curl_command(headers=headers)}"[:1500])
            continue
        statuses[response.status_code] += 1
        try:
            drawn.case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            label = f"{drawn.case.operation.label} {type(group.exceptions[0]).__name__}"
            failures.setdefault(label, str(group)[:1500])
    total = sum(statuses.values())
    print(f"\nfuzz {module_database_url.split(':')[0]} as {role}: {total} requests, "
          f"{sum(n for s, n in statuses.items() if s >= 500)} server errors, statuses {dict(sorted(statuses.items()))}")
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())


def test_every_stored_row_still_reads_back_as_json(fuzz_app: tuple[FastAPI, SqlStore, dict[str, str]]) -> None:
    """After the fuzz: each list and each item of it reads back, and is strict JSON."""
    app, _, _ = fuzz_app
    with TestClient(app, base_url="http://testserver/api/v1/workspaces/default",
                    headers={"X-API-Key": ADMIN}) as client:
        read = 0
        for listing, item in (("/schedules", "/schedules/{}"), ("/jobs", "/jobs/{}"),
                              ("/strategies", "/strategies/{}"), ("/api-keys", "/api-keys/{}")):
            cursor: str | None = None
            while True:
                page = _strict(client.get(listing, params={"limit": 200, **({"cursor": cursor} if cursor else {})}))
                for row in page["items"]:
                    _strict(client.get(item.format(row["id"])))
                    read += 1
                    if listing == "/schedules":
                        for sub in ("fires", "deliveries", "preview", "changes"):
                            _strict(client.get(f"/schedules/{row['id']}/{sub}"))
                    if listing == "/jobs":
                        _strict(client.get(f"/jobs/{row['id']}/results"))
                cursor = page.get("next_cursor")
                if not page["has_more"] or not cursor:
                    break
        _strict(client.get("/audit-log", params={"limit": 200}))
        assert read >= 4


def _strict(response: Any) -> Any:
    assert response.status_code == 200, (response.request.url, response.status_code, response.text[:500])

    def refuse(name: str) -> Any:
        raise AssertionError(f"{response.request.url} answered {name}, which is not JSON")

    return json.loads(response.text, parse_constant=refuse)
