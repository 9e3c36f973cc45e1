"""What a careless client sends is a 400 naming the field, never a 500 or a silent reset (issue 13: 3, 4, 8)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.helpers import make_schedule

EDGE = "9999-12-31T23:59:59-14:00"  # its UTC value is in year 10000
TASK = {"task": "kairos.echo"}


def _refused(response: Any, *loc: str | int) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in response.json()["errors"]] == [["body", *loc]] or \
        [e["loc"] for e in response.json()["errors"]] == [list(loc)], response.json()


@pytest.mark.parametrize(("field", "body"), [
    ("run_at", {"run_at": EDGE, **TASK}),
    ("start_at", {"interval_seconds": 3600, "start_at": EDGE, **TASK}),
    ("end_at", {"interval_seconds": 3600, "end_at": EDGE, **TASK}),
    ("start_at", {"interval_seconds": 3600, "start_at": "0001-01-01T00:00:00+01:00", **TASK}),
])
def test_instants_off_the_calendar_are_refused_on_create(module_api: TestClient, field: str,
                                                         body: dict[str, Any]) -> None:
    _refused(module_api.post("/schedules", json=body), field)


def test_instants_off_the_calendar_are_refused_everywhere_else(module_api: TestClient) -> None:
    _refused(module_api.post("/schedules:batch", json={"items": [{"run_at": EDGE, **TASK}]}), "items", 0, "run_at")
    _refused(module_api.post("/schedules:preview", json={"cron_expression": "* * * * *", "after": EDGE}), "after")
    _refused(module_api.post("/api-keys", json={"name": "k", "role": "viewer", "expires_at": EDGE}), "expires_at")
    sid = module_api.post("/schedules", json={"interval_seconds": 3600, **TASK}).json()["id"]
    preview = module_api.get(f"/schedules/{sid}/preview", params={"after": EDGE})
    assert preview.status_code == 400 and preview.json()["errors"][0]["loc"] == ["query", "after"]
    _refused(module_api.patch(f"/schedules/{sid}", json={"start_at": "9999-12-31T23:59:59Z"}), "start_at")


def test_a_schedule_stored_at_the_end_of_time_still_answers(module_api: TestClient, module_store: SqlStore) -> None:
    ws = module_store.get_workspace("default").id
    late = make_schedule(ws, datetime.now(UTC), cron_expression="0 9 * * *",
                         start_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    module_store.add_schedules([late])
    preview = module_api.get(f"/schedules/{late.id}/preview")
    assert preview.status_code == 200 and preview.json()["items"] == []
    assert module_api.put(f"/schedules/{late.id}", json={"cron_expression": "0 10 * * *"}).status_code == 200


def test_explicit_null_is_refused_where_it_means_nothing(module_api: TestClient) -> None:
    strategy = module_api.post("/strategies", json={"name": "s", "type": "json", "item": "items",
                                                    "fields": {"t": "title"}}).json()["id"]
    for method in ("patch", "put"):
        for field in ("type", "name"):
            response = getattr(module_api, method)(f"/strategies/{strategy}", json={field: None})
            _refused(response, field)
            assert "may not be null" in response.json()["errors"][0]["msg"]
    sid = module_api.post("/schedules", json={"cron_expression": "0 9 * * *", "timezone": "Europe/Berlin",
                                              **TASK}).json()["id"]
    before = module_api.get(f"/schedules/{sid}").json()
    for field in ("timezone", "name", "overlap_policy", "misfire_policy", "enabled", "max_attempts"):
        _refused(module_api.patch(f"/schedules/{sid}", json={field: None}), field)
    after = module_api.get(f"/schedules/{sid}").json()
    assert after["timezone"] == "Europe/Berlin" and after["next_run_at"] == before["next_run_at"]
    # Where null does mean something (no window, no webhook), it is still accepted.
    assert module_api.patch(f"/schedules/{sid}", json={"end_at": None, "webhook_url": None}).status_code == 200


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "", "Factory", "posix/Europe/Berlin"])
def test_host_dependent_or_empty_time_zones_are_refused(module_api: TestClient, zone: str) -> None:
    _refused(module_api.post("/schedules", json={"cron_expression": "0 9 * * *", "timezone": zone, **TASK}),
             "timezone")


def test_a_cron_window_that_never_fires_is_refused(module_api: TestClient) -> None:
    body = {"cron_expression": "0 9 * * *", "start_at": "2031-01-01T10:00:00Z",
            "end_at": "2031-01-01T11:00:00Z", **TASK}
    _refused(module_api.post("/schedules", json=body), "end_at")
    assert module_api.post("/schedules", json={**body, "end_at": "2031-01-02T09:00:00Z"}).status_code == 201


def test_urls_have_a_length_cap(module_api: TestClient) -> None:
    long = "https://example.com/" + "a" * 900_000
    _refused(module_api.post("/jobs", json={"strategy_id": "strat_x", "url": long}), "url")
    _refused(module_api.post("/schedules", json={"interval_seconds": 3600, "webhook_url": long[:5000], **TASK}),
             "webhook_url")
