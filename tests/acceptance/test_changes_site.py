"""A site whose content changes between runs, watched by the real `kairos` process.

A real HTTP server on 127.0.0.1 serves a list of articles that the test edits between runs. The
same story runs twice: with a scrape schedule (a JSON strategy over the page) and with a task
schedule whose task fetches the page through Kairos' outgoing-HTTP client. Each run is triggered
by hand, and the test checks `has_changes`, the items added and removed, and `/changes` with every
filter form.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.acceptance.conftest import KairosProcess, finished_job

SITE_TASK = '''
from kairos.kinds.registry import task


@task("site.articles")
def articles(url, *, ctx):
    with ctx.http_client() as client:
        response = client.get(url)
        response.raise_for_status()
        return response.json()
'''

RUBIO = {"title": "Rubio talks tariffs", "body": "A new tariff on steel", "section": "politics"}
ELON = {"title": "Elon Musk launches", "body": "Rockets and tariff news", "section": "space"}
COIN = {"title": "Bitcoin rallies", "body": "Elon tweets again", "section": "crypto"}
BIDEN = {"title": "Rubio and Biden debate", "body": "A long night", "section": "politics"}


class Site:
    """Serves `self.articles` as JSON at /articles."""

    def __init__(self) -> None:
        self.articles: list[dict[str, Any]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps(site.articles).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/articles"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    yield served
    served.close()


@pytest.fixture
def watcher(kairos_factory: Any, tmp_path: Path) -> KairosProcess:
    code = tmp_path / "sitecode"
    code.mkdir()
    (code / "site_tasks.py").write_text(SITE_TASK)
    path = os.pathsep.join(p for p in (str(code), os.environ.get("PYTHONPATH", "")) if p)
    process: KairosProcess = kairos_factory(env_extra={
        "PYTHONPATH": path, "KAIROS_TASK_MODULES": "site_tasks",
        "KAIROS_ALLOW_PRIVATE_NETWORKS": "1",
    })
    process.start()
    return process


def run(client: httpx.Client, schedule_id: str) -> dict[str, Any]:
    triggered = client.post(f"/schedules/{schedule_id}/trigger")
    assert triggered.status_code in (200, 201), triggered.text
    job = finished_job(client, triggered.json()["id"], timeout=20)
    assert job["status"] == "completed", job
    return job


def titles(items: list[dict[str, Any]]) -> list[str]:
    return [item["title"] for item in items]


def schedule_body(client: httpx.Client, kind: str, url: str) -> dict[str, Any]:
    if kind == "task":
        return {"name": "news site", "task": "site.articles", "args": [url],
                "interval_seconds": 86400}
    strategy = client.post("/strategies", json={"name": "articles", "type": "json", "item": "[*]"})
    assert strategy.status_code == 201, strategy.text
    return {"name": "news site", "strategy_id": strategy.json()["id"], "url": url,
            "interval_seconds": 86400}


@pytest.mark.parametrize("kind", ["scrape", "task"])
def test_changes_follow_the_site(watcher: KairosProcess, site: Site, kind: str) -> None:
    with watcher.client() as client:
        made = client.post("/schedules", json=schedule_body(client, kind, site.url))
        assert made.status_code == 201, made.text
        schedule_id = made.json()["id"]
        changes = f"/schedules/{schedule_id}/changes"

        site.articles = [RUBIO, ELON]
        first = run(client, schedule_id)
        unchanged = run(client, schedule_id)
        site.articles = [RUBIO, ELON, COIN]
        added = run(client, schedule_id)
        site.articles = [ELON, COIN]
        removed = run(client, schedule_id)
        site.articles = [COIN, ELON]
        reordered = run(client, schedule_id)
        site.articles = [COIN, ELON, BIDEN]
        grown = run(client, schedule_id)

        flags = [j["has_changes"] for j in (first, unchanged, added, removed, reordered, grown)]
        assert flags == [True, False, True, True, True, True]
        assert unchanged["content_hash"] == first["content_hash"]
        assert grown["item_count"] == 3

        stored = client.get(f"/jobs/{grown['id']}/results", params={"format": "ndjson"})
        assert [json.loads(line) for line in stored.text.splitlines()] == [COIN, ELON, BIDEN]

        preview = client.get(changes, params={"mark_seen": "false"}).json()
        by_job = {c["job_id"]: c for c in preview["changes"]}
        assert list(by_job) == [first["id"], added["id"], removed["id"], reordered["id"], grown["id"]]
        assert (titles(by_job[first["id"]]["added"]), by_job[first["id"]]["removed"]) == (
            titles([RUBIO, ELON]), [])
        assert (titles(by_job[added["id"]]["added"]), by_job[added["id"]]["removed"]) == (
            titles([COIN]), [])
        assert (by_job[removed["id"]]["added"], titles(by_job[removed["id"]]["removed"])) == (
            [], titles([RUBIO]))
        assert (by_job[reordered["id"]]["added"], by_job[reordered["id"]]["removed"]) == ([], [])
        assert titles(by_job[reordered["id"]]["results"]) == titles([COIN, ELON])

        def filtered(text: str) -> dict[str, list[str]]:
            body = client.get(changes, params={"mark_seen": "false", "filter": text}).json()
            assert body["filter_applied"] == text and body["marked_seen"] is False
            return {c["job_id"]: titles(c["results"]) for c in body["changes"]}

        # The run that lost its Rubio article stays, with no results: its removed item matches.
        assert filtered("+rubio +tariff") == {first["id"]: [RUBIO["title"]],
                                              added["id"]: [RUBIO["title"]], removed["id"]: []}
        assert filtered("+rubio -biden") == {first["id"]: [RUBIO["title"]],
                                             added["id"]: [RUBIO["title"]], removed["id"]: []}
        assert filtered("bitcoin biden") == {added["id"]: [COIN["title"]],
                                             removed["id"]: [COIN["title"]],
                                             reordered["id"]: [COIN["title"]],
                                             grown["id"]: [COIN["title"], BIDEN["title"]]}
        assert filtered('"elon musk"') == {j["id"]: [ELON["title"]]
                                           for j in (first, added, removed, reordered, grown)}
        assert filtered("section:crypto") == {j["id"]: [COIN["title"]]
                                              for j in (added, removed, reordered, grown)}
        assert filtered("-tariff") == {j["id"]: [COIN["title"]] for j in (added, removed, reordered)} | {
            grown["id"]: [COIN["title"], BIDEN["title"]]}

        bad = client.get(changes, params={"filter": "(unclosed"})
        assert bad.status_code == 400
        assert [e["loc"] for e in bad.json()["errors"]] == [["query", "filter"]]

        taken = client.get(changes, params={"limit": 3}).json()
        assert [c["job_id"] for c in taken["changes"]] == [first["id"], added["id"], removed["id"]]
        assert taken["marked_count"] == 3
        rest = client.get(changes).json()
        assert [c["job_id"] for c in rest["changes"]] == [reordered["id"], grown["id"]]
        assert client.get(changes).json()["count"] == 0
