"""`POST /strategies/{id}/test` and `POST /strategies:test`: inline HTML and JSON, real pages, real API calls."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.api.app import create_app
from kairos.api.auth import bootstrap
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.conftest import ADMIN_KEY

CATALOG = """<html><body>
<div class="product"><h2>Desk lamp</h2><a href="/p/1">more</a><span class="price">19.90 EUR</span></div>
<div class="product"><h2>Chair</h2><a href="/p/2">more</a><span class="price">45.00 EUR</span></div>
</body></html>"""
CARDS = {"name": "Cards", "type": "css", "item": "div.product",
         "fields": {"title": "h2::text", "url": {"selector": "a", "attr": "href"},
                    "price": {"selector": ".price::text", "regex": r"([\d.]+)"}}}


class Site:
    """A real HTTP server on 127.0.0.1 that serves a catalog page and a JSON API, and records requests."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else None
                site.requests.append({"method": self.command, "path": self.path, "body": body,
                                      "headers": dict(self.headers.items())})
                if self.path.startswith("/catalog"):
                    self._send(200, "text/html; charset=utf-8", CATALOG.encode())
                elif self.path.startswith("/v1/forecast/"):
                    city = self.path.split("/")[3].split("?")[0]
                    answer = {"city": city, "days": [{"date": "2026-05-04", "max": 21},
                                                     {"date": "2026-05-05", "max": 18}]}
                    self._send(200, "application/json", json.dumps(answer).encode())
                else:
                    self._send(404, "text/plain", b"no such page")

            def _send(self, status: int, content_type: str, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.close()


@pytest.fixture
def open_api(store: SqlStore) -> Iterator[TestClient]:
    """Like `api`, with KAIROS_ALLOW_PRIVATE_NETWORKS on, so the local test server can be fetched."""
    bootstrap(store, utcnow(), ADMIN_KEY)
    settings = Settings(min_interval_seconds=60, allow_private_networks=True)
    app = create_app(Runtime.build(settings, store, frozenset({"api"})), start_loops=False)
    with TestClient(app, base_url="http://testserver/api/v1/workspaces/default",
                    headers={"X-API-Key": ADMIN_KEY}) as client:
        yield client


def problem(response: Any) -> tuple[list[str], str]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    return [".".join(str(p) for p in e["loc"]) for e in body["errors"]], body["detail"]


def test_inline_html(api: TestClient) -> None:
    sid = api.post("/strategies", json=CARDS).json()["id"]
    answer = api.post(f"/strategies/{sid}/test", json={"html": CATALOG})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"items": [{"title": "Desk lamp", "url": "/p/1", "price": "19.90"},
                                       {"title": "Chair", "url": "/p/2", "price": "45.00"}],
                             "count": 2, "warnings": []}


def test_inline_json(api: TestClient) -> None:
    sid = api.post("/strategies", json={"name": "j", "type": "json", "item": "data[?stock > `0`]",
                                        "fields": {"sku": "sku", "left": "stock"}}).json()["id"]
    document = {"data": [{"sku": "a", "stock": 2}, {"sku": "b", "stock": 0}]}
    answer = api.post(f"/strategies/{sid}/test", json={"json": document}).json()
    assert answer == {"items": [{"sku": "a", "left": 2}], "count": 1, "warnings": []}


def test_a_fetched_page_resolves_links_against_its_url(open_api: TestClient, site: Site) -> None:
    sid = open_api.post("/strategies", json=CARDS).json()["id"]
    answer = open_api.post(f"/strategies/{sid}/test", json={"url": f"{site.base}/catalog?page=1"})
    assert answer.status_code == 200, answer.text
    assert [item["url"] for item in answer.json()["items"]] == [f"{site.base}/p/1", f"{site.base}/p/2"]
    assert site.requests[0]["path"] == "/catalog?page=1"
    assert site.requests[0]["headers"]["User-Agent"].startswith("Kairos/")


def test_loopback_is_refused_without_allow_private_networks(api: TestClient, site: Site) -> None:
    sid = api.post("/strategies", json=CARDS).json()["id"]
    fields, detail = problem(api.post(f"/strategies/{sid}/test", json={"url": f"{site.base}/catalog"}))
    assert fields == ["body.url"]
    assert "127.0.0.1" in detail
    assert site.requests == []


def test_a_page_that_fails_names_the_url(open_api: TestClient, site: Site) -> None:
    sid = open_api.post("/strategies", json=CARDS).json()["id"]
    fields, detail = problem(open_api.post(f"/strategies/{sid}/test", json={"url": f"{site.base}/missing"}))
    assert fields == ["body.url"] and f"{site.base}/missing" in detail and "404" in detail
    assert problem(open_api.post(f"/strategies/{sid}/test", json={"url": "ftp://example.com/x"}))[0] == ["body.url"]


def test_an_item_selector_matching_nothing_is_a_400_naming_it(api: TestClient) -> None:
    sid = api.post("/strategies", json={**CARDS, "item": "li.result"}).json()["id"]
    fields, detail = problem(api.post(f"/strategies/{sid}/test", json={"html": CATALOG}))
    assert fields == ["body.strategy.item"]
    assert "'li.result'" in detail and "matched nothing" in detail


def test_the_wrong_source_for_the_type_is_a_400(api: TestClient) -> None:
    sid = api.post("/strategies", json=CARDS).json()["id"]
    assert problem(api.post(f"/strategies/{sid}/test", json={"json": {"a": 1}}))[0] == ["body.json"]
    assert problem(api.post(f"/strategies/{sid}/test", json={}))[0] == ["body.url"]
    assert problem(api.post(f"/strategies/{sid}/test", json={"html": "<p/>", "url": "https://e.com"}))[0] == [
        "body.html"]
    assert api.post("/strategies/strat_nope/test", json={"html": "<p/>"}).status_code == 404


def test_an_api_strategy_makes_its_request_with_the_parameters(open_api: TestClient, site: Site) -> None:
    strategy = {"name": "Forecast", "type": "api",
                "request": {"method": "POST", "url": site.base + "/v1/forecast/{city}?days={days}",
                            "headers": {"X-Token": "{token}"}, "body": {"units": "{units}", "days": "{days}"}},
                "parameters": {"days": 2, "token": "t0k", "units": "metric"},
                "item": "days", "fields": {"date": "date", "max": "max"}}
    sid = open_api.post("/strategies", json=strategy).json()["id"]
    answer = open_api.post(f"/strategies/{sid}/test", json={"parameters": {"city": "São Paulo", "days": 7}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"] == [{"date": "2026-05-04", "max": 21}, {"date": "2026-05-05", "max": 18}]
    sent = site.requests[0]
    assert sent["method"] == "POST" and sent["path"] == "/v1/forecast/S%C3%A3o%20Paulo?days=7"
    assert sent["headers"]["X-Token"] == "t0k"
    assert json.loads(sent["body"]) == {"units": "metric", "days": 7}


def test_an_api_strategy_missing_a_parameter_names_it(api: TestClient) -> None:
    sid = api.post("/strategies", json={"name": "f", "request": {"url": "https://api.example.com/{city}"},
                                        "fields": {}}).json()["id"]
    fields, detail = problem(api.post(f"/strategies/{sid}/test", json={}))
    assert fields == ["body.parameters.city"] and "'city'" in detail


def test_an_inline_strategy_is_checked_and_run(api: TestClient) -> None:
    answer = api.post("/strategies:test", json={"strategy": {"type": "xpath", "fields": {
        "titles": {"selector": "//h2/text()", "all": True}}}, "html": CATALOG})
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"] == [{"titles": ["Desk lamp", "Chair"]}]
    assert problem(api.post("/strategies:test", json={"strategy": {"type": "css", "fields": {"t": "h2["}},
                                                      "html": CATALOG}))[0] == ["body.strategy.fields.t.selector"]
    assert problem(api.post("/strategies:test", json={"strategy": {"type": "css", "fields": {"t": 3}},
                                                      "html": CATALOG}))[0] == ["body.strategy.fields.t"]
    assert api.get("/strategies").json()["total"] == 0
