"""Scrape schedules and one-off scrape jobs over the API: the seed 004 bodies, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.domain.strategies import Strategy, build_strategy
from kairos.ids import new_id
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.seed_bodies import (
    SCRAPE_CHANGE_INTERVAL,
    SCRAPE_CRON,
    SCRAPE_CRON_MINIMAL,
    SCRAPE_DISABLE,
    SCRAPE_INTERVAL,
    SCRAPE_INTERVAL_MINIMAL,
    SEED_004_STRATEGY_ID,
)


def add_strategy(store: SqlStore, workspace: str = "default") -> Strategy:
    ws = store.ensure_workspace(workspace, workspace, utcnow())
    strategy = build_strategy({"name": "products", "type": "css", "item": "li",
                               "fields": {"name": "span"}},
                              strategy_id=new_id("stg"), workspace_id=ws.id, now=utcnow())
    store.add_strategy(strategy)
    return strategy


def seed(body: dict[str, Any], strategy: Strategy) -> dict[str, Any]:
    assert body["strategy_id"] == SEED_004_STRATEGY_ID
    return {**body, "strategy_id": strategy.id}


def problem_locs(response: Any) -> list[list[Any]]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["loc"] for error in response.json()["errors"]]


@pytest.mark.parametrize("body", [SCRAPE_INTERVAL_MINIMAL, SCRAPE_CRON_MINIMAL])
def test_seed_004_bodies_make_scrape_schedules(api: TestClient, store: SqlStore,
                                               body: dict[str, Any]) -> None:
    strategy = add_strategy(store)
    response = api.post("/schedules", json=seed(body, strategy))
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["kind"] == "scrape"
    assert (made["strategy_id"], made["url"], made["urls"]) == (
        strategy.id, "https://example.com/products", None)
    assert made["parameters"] == {}
    assert made["trigger_type"] == ("interval" if "interval_seconds" in body else "cron")
    assert made["name"] == "scrape example.com"
    assert api.get(f"/schedules/{made['id']}").json()["strategy_id"] == strategy.id


@pytest.mark.parametrize("body", [SCRAPE_INTERVAL, SCRAPE_CRON])
def test_seed_004_bodies_with_their_webhook(api: TestClient, store: SqlStore,
                                            body: dict[str, Any]) -> None:
    strategy = add_strategy(store)
    response = api.post("/schedules", json=seed(body, strategy))
    assert response.status_code == 201, response.text
    assert response.json()["webhook_url"] == body["webhook_url"]


def test_seed_004_updates(api: TestClient, store: SqlStore) -> None:
    strategy = add_strategy(store)
    made = api.post("/schedules", json=seed(SCRAPE_INTERVAL_MINIMAL, strategy)).json()
    sid = made["id"]
    changed = api.patch(f"/schedules/{sid}", json=SCRAPE_CHANGE_INTERVAL).json()
    assert changed["interval_seconds"] == 7200 and changed["url"] == made["url"]
    assert api.patch(f"/schedules/{sid}", json=SCRAPE_DISABLE).json()["enabled"] is False
    urls = ["https://example.com/a", "https://example.com/b"]
    switched = api.patch(f"/schedules/{sid}", json={"urls": urls})
    assert switched.status_code == 200, switched.text
    assert (switched.json()["url"], switched.json()["urls"]) == (None, urls)
    back = api.patch(f"/schedules/{sid}", json={"url": "https://example.com/c",
                                                "parameters": {"page": 2}}).json()
    assert (back["url"], back["urls"], back["parameters"]) == (
        "https://example.com/c", None, {"page": 2})
    assert problem_locs(api.patch(f"/schedules/{sid}", json={"strategy_id": "stg_nope"})) == [
        ["body", "strategy_id"]]


def test_the_strategy_must_exist_in_the_workspace(api: TestClient, store: SqlStore) -> None:
    elsewhere = add_strategy(store, "other")
    for path in ("/schedules", "/jobs"):
        body = {"strategy_id": elsewhere.id, "url": "https://example.com/"}
        if path == "/schedules":
            body["interval_seconds"] = 3600
        response = api.post(path, json=body)
        assert problem_locs(response) == [["body", "strategy_id"]]
        assert elsewhere.id in response.json()["errors"][0]["msg"]


def test_a_one_off_scrape_job(api: TestClient, store: SqlStore) -> None:
    strategy = add_strategy(store)
    urls = [f"https://example.com/p/{i}" for i in range(3)]
    response = api.post("/jobs", json={"strategy_id": strategy.id, "urls": urls,
                                       "parameters": {"q": "x"}, "timeout_seconds": 60})
    assert response.status_code == 201, response.text
    job = response.json()
    assert (job["kind"], job["status"], job["urls"], job["parameters"]) == (
        "scrape", "pending", urls, {"q": "x"})


@pytest.mark.parametrize(("body", "loc"), [
    ({"url": "https://example.com/", "urls": ["https://example.com/"]}, "urls"),
    ({}, "url"),
    ({"url": "ftp://example.com/file"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"urls": []}, "urls"),
    ({"urls": [f"https://example.com/{i}" for i in range(101)]}, "urls"),
    ({"urls": ["https://example.com/", "javascript:alert(1)"]}, "urls.1"),
])
def test_bad_scrape_targets_are_a_400_naming_the_field(
        api: TestClient, store: SqlStore, body: dict[str, Any], loc: str) -> None:
    strategy = add_strategy(store)
    for path, extra in (("/jobs", {}), ("/schedules", {"interval_seconds": 3600})):
        response = api.post(path, json={"strategy_id": strategy.id, **body, **extra})
        assert ["body", loc] in problem_locs(response), response.text


def test_a_scrape_needs_a_strategy(api: TestClient) -> None:
    response = api.post("/jobs", json={"kind": "scrape", "url": "https://example.com/"})
    assert ["body", "strategy_id"] in problem_locs(response)


def test_parameters_must_be_an_object(api: TestClient, store: SqlStore) -> None:
    strategy = add_strategy(store)
    response = api.post("/jobs", json={"strategy_id": strategy.id, "url": "https://example.com/",
                                       "parameters": [1, 2]})
    assert ["body", "parameters"] in problem_locs(response)
