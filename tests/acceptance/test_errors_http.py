"""Whatever a client sends, the answer is a problem+json 4xx naming what is wrong, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.acceptance.conftest import API_KEY, KairosProcess

pytestmark = pytest.mark.slow

VALID = {"name": "ok", "interval_seconds": 60, "task": "kairos.echo"}


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = dict(response.json())
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    return body


def locs(body: dict[str, Any]) -> list[list[Any]]:
    return [error["loc"] for error in body["errors"]]


def test_invalid_cron_names_the_field_and_why(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        body = problem(client.post("/schedules", json={**VALID, "interval_seconds": None,
                                                       "cron_expression": "61 * * * *"}), 400)
        assert ["body", "cron_expression"] in locs(body), body
        message = next(e["msg"] for e in body["errors"] if e["loc"] == ["body", "cron_expression"])
        assert "cron" in message.lower() and len(message) > 15, message
        body = problem(client.post("/schedules", json={"cron_expression": "0 0 30 2 *",
                                                       "task": "kairos.echo"}), 400)
        assert ["body", "cron_expression"] in locs(body), body
        body = problem(client.post("/schedules", json={"cron_expression": "* * *",
                                                       "task": "kairos.echo"}), 400)
        assert ["body", "cron_expression"] in locs(body), body


def test_unknown_field_is_a_400_naming_it(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        body = problem(client.post("/schedules", json={**VALID, "colour": "blue"}), 400)
        assert ["body", "colour"] in locs(body), body
        assert body["errors"][0]["msg"] == "unknown field"
        body = problem(client.post("/jobs", json={"task": "kairos.echo", "colour": "blue"}), 400)
        assert ["body", "colour"] in locs(body), body


def test_a_body_over_one_mebibyte_is_413(kairos: KairosProcess) -> None:
    huge = {**VALID, "description": "x" * (1024 * 1024 + 10)}
    with kairos.client() as client:
        problem(client.post("/schedules", json=huge), 413)
        problem(client.post("/jobs", content=b"[" + b"1," * 600_000 + b"1]",
                            headers={"Content-Type": "application/json"}), 413)


def test_a_chunked_body_over_one_mebibyte_is_413(kairos: KairosProcess) -> None:
    # No Content-Length: the limit has to be enforced while the body streams in.
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'", "interval_seconds": 60, "task": "kairos.echo"}'

    with kairos.client() as client:
        response = client.post("/schedules", content=chunks(),
                               headers={"Content-Type": "application/json"})
        assert "content-length" not in {k.lower() for k in response.request.headers}
        problem(response, 413)


def test_missing_or_bad_key_is_401(kairos: KairosProcess) -> None:
    with httpx.Client(base_url=kairos.api, timeout=10) as anonymous:
        body = problem(anonymous.get("/schedules"), 401)
        assert "API key" in body["detail"]
        problem(anonymous.post("/schedules", json=VALID), 401)
        problem(anonymous.get("/schedules", headers={"X-API-Key": "kr_wrong"}), 401)
        problem(anonymous.get("/schedules", headers={"Authorization": "Bearer kr_wrong"}), 401)
        ok = anonymous.get("/schedules", headers={"Authorization": f"Bearer {API_KEY}"})
        assert ok.status_code == 200


def test_unknown_resources_are_404(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        missing = "sched_01a20215-0714-738c-a4a6-474970ca9b45"
        for method, path in (("GET", f"/schedules/{missing}"), ("PATCH", f"/schedules/{missing}"),
                             ("PUT", f"/schedules/{missing}"), ("DELETE", f"/schedules/{missing}"),
                             ("POST", f"/schedules/{missing}/trigger"),
                             ("POST", f"/schedules/{missing}/enable"),
                             ("GET", f"/schedules/{missing}/fires"),
                             ("GET", "/jobs/job_nope"), ("DELETE", "/jobs/job_nope")):
            json = {} if method in ("PATCH", "PUT") else None
            body = problem(client.request(method, path, json=json), 404)
            assert "not found" in body["detail"], (method, path, body)
        with httpx.Client(base_url=f"{kairos.base_url}/api/v1/workspaces/elsewhere",
                          headers={"X-API-Key": API_KEY}, timeout=10) as other:
            problem(other.get("/schedules"), 404)


def test_pagination_limits_are_400(kairos: KairosProcess) -> None:
    with kairos.client() as client:
        body = problem(client.get("/schedules", params={"limit": 500}), 400)
        assert ["query", "limit"] in locs(body), body
        problem(client.get("/jobs", params={"limit": 0}), 400)
        problem(client.get("/jobs", params={"offset": -1}), 400)
        body = problem(client.get("/schedules", params={"cursor": "not-a-cursor"}), 400)
        assert ["query", "cursor"] in locs(body), body
        problem(client.get("/schedules", params={"status": "sleeping"}), 400)


BAD_BODIES: list[Any] = [
    [],
    "text",
    123,
    None,
    {},
    {"name": "x"},
    {**VALID, "interval_seconds": "soon"},
    {**VALID, "interval_seconds": 0},
    {**VALID, "interval_seconds": 10**30},
    {**VALID, "interval_seconds": 1.5},
    {**VALID, "interval_seconds": True},
    {**VALID, "name": ""},
    {**VALID, "name": "x" * 201},
    {**VALID, "timezone": "Mars/Olympus"},
    {**VALID, "start_at": "2030-01-01T00:00:00", "end_at": "2029-01-01T00:00:00Z"},
    {**VALID, "start_at": "2030-01-01T00:00:00Z", "end_at": "2029-01-01T00:00:00Z"},
    {**VALID, "misfire_policy": "sometimes"},
    {**VALID, "max_attempts": 0},
    {**VALID, "jitter_seconds": -5},
    {**VALID, "args": "not-a-list"},
    {**VALID, "kwargs": ["not", "an", "object"]},
    {**VALID, "kwargs": {"blob": "x" * 70_000}},
    {**VALID, "executor": "celery"},
    {"type": "once", "run_at": "yesterday", "task": "kairos.echo"},
    {"type": "once", "run_at": "2030-01-01T09:00:00", "task": "kairos.echo"},
    {"type": "delayed", "delay_seconds": -1, "task": "kairos.echo"},
    {"type": "sometimes", "task": "kairos.echo"},
    {"type": "cron", "trigger_type": "interval", "cron_expression": "* * * * *",
     "task": "kairos.echo"},
    {"cron_expression": "* * * * *", "interval_seconds": 60, "task": "kairos.echo"},
    {"cron_expression": "* * * * *", "task": "kairos.echo", "callback_id": "flow"},
    {"cron_expression": "* * * * *", "callback_type": "http", "callback_id": "ftp://x"},
    {"cron_expression": "* * * * *", "callback_type": "smoke", "callback_id": "x"},
    {"trigger": {"minute": "0", "hour": "25"}, "task": "kairos.echo"},
    {"trigger": {"minute": "0", "second": "5"}, "task": "kairos.echo"},
    {"trigger": "0 9 * * *", "task": "kairos.echo"},
    {"cron_expression": "0 9 * * *", "trigger": {"minute": "5", "hour": "9"},
     "task": "kairos.echo"},
    {"cron_expression": "0 9 * * *", "status": "sleeping", "task": "kairos.echo"},
    {"cron_expression": "0 9 * * *", "status": "active", "enabled": False, "task": "kairos.echo"},
    {"cron_expression": "0 9 * * *", "is_active": True, "enabled": False, "task": "kairos.echo"},
    {"target": "python", "mode": "forever", "cron_expression": "0 9 * * *"},
    {"url": "https://example.com", "strategy_id": "strat_x", "interval_seconds": 60},
    {**VALID, "webhook_url": "ftp://example.com/hook"},
    {**VALID, "webhook_url": "https://example.com/hook", "webhook_type": "teams"},
    {**VALID, "webhook_url": "https://example.com/hook", "webhook_secret": "not-a-whsec"},
    {**VALID, "webhook_url": "https://example.com/hook", "webhook_metadata": [1, 2]},
    {**VALID, "webhook_url": "http://169.254.169.254/latest"},
    {"url": "https://example.com", "urls": ["https://example.com/b"], "strategy_id": "strat_x",
     "interval_seconds": 60},
    {"urls": [], "strategy_id": "strat_x", "interval_seconds": 60},
]


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 200 else text[:200] + "…"


def test_bad_schedule_bodies_are_400_never_500(kairos: KairosProcess) -> None:
    wrong: list[str] = []

    def expect_400(method: str, path: str, sent: Any, **kwargs: Any) -> None:
        # A fresh connection each time: after a 500 the server drops the connection it used.
        with kairos.client() as client:
            try:
                response = client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                wrong.append(f"{method} {path} {short(sent)} -> {exc!r}")
                return
        is_problem = response.headers.get("content-type", "").startswith("application/problem+json")
        if response.status_code != 400 or not is_problem or not response.json().get("detail"):
            wrong.append(f"{method} {path} {short(sent)} -> {response.status_code} "
                         f"{short(response.text)}")

    for sent in BAD_BODIES:
        expect_400("POST", "/schedules", sent, json=sent)
    expect_400("POST", "/schedules", "garbled JSON", content=b'{"name": ',
               headers={"Content-Type": "application/json"})
    with kairos.client() as client:
        schedule = client.post("/schedules", json=VALID)
        assert schedule.status_code == 201, schedule.text
        sid = schedule.json()["id"]
    for change in ({"interval_seconds": 0}, {"interval_seconds": 10**30},
                   {"cron_expression": "nope"}, {"colour": 1}, {"status": "completed"},
                   {"timezone": "Nowhere/Land"}, {"task": ""}, {"run_at": "not a time"}, []):
        expect_400("PATCH", f"/schedules/{sid}", change, json=change)
        expect_400("PUT", f"/schedules/{sid}", change, json=change)
    for sent in ([], {}, {"task": "kairos.echo", "max_attempts": 0},
                 {"task": "kairos.echo", "timeout_seconds": -1},
                 {"task": "kairos.echo", "args": {"a": 1}},
                 {"callback_type": "http", "callback_id": "not a url"}):
        expect_400("POST", "/jobs", sent, json=sent)
    assert wrong == [], "\n".join(wrong)
    with kairos.client() as client:
        assert len(client.get("/schedules").json()["items"]) == 1


POSTGRES_BAD_BODIES: list[Any] = [
    {**VALID, "name": "nul\u0000byte"},
    {**VALID, "description": "nul\u0000byte"},
    {**VALID, "kwargs": {"text": "nul\u0000byte"}},
    {**VALID, "args": ["nul\u0000byte"]},
    {**VALID, "interval_seconds": 3_000_000_000},
]


@pytest.mark.postgres
def test_bodies_postgres_cannot_store_are_400_not_500(
    kairos_factory: Any, postgres_admin_url: str
) -> None:
    from tests.conftest import create_postgres_database, drop_postgres_database

    url = create_postgres_database(postgres_admin_url)
    try:
        process: KairosProcess = kairos_factory(env_extra={"KAIROS_DATABASE_URL": url})
        process.start()
        wrong: list[str] = []
        for sent in POSTGRES_BAD_BODIES:
            with process.client() as client:
                try:
                    response = client.post("/schedules", json=sent)
                except httpx.TransportError as exc:
                    wrong.append(f"{short(sent)} -> {exc!r}")
                    continue
            if response.status_code >= 500:
                wrong.append(f"{short(sent)} -> {response.status_code} {short(response.text)}")
        for path, params in (("/schedules/sched_%00", {}), ("/jobs/job_%00", {}),
                             ("/schedules", {"q": "a\u0000b"}),
                             ("/jobs", {"schedule_id": "s\u0000"})):
            with process.client() as client:
                try:
                    response = client.get(path, params=params)
                except httpx.TransportError as exc:
                    wrong.append(f"GET {short(path)} {params} -> {exc!r}")
                    continue
            if response.status_code >= 500:
                wrong.append(f"GET {short(path)} {params} -> {response.status_code}")
        process.stop()
        assert wrong == [], "\n".join(wrong)
    finally:
        drop_postgres_database(postgres_admin_url, url)
