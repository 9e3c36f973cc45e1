"""A real `kairos` process scrapes a real local site over the HTTP API, one URL of three 404ing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.acceptance.conftest import finished_job
from tests.local_site import LocalSite, html

pytestmark = pytest.mark.slow

PAGE = """<!doctype html><html><head><meta charset="iso-8859-1"></head><body><ul>
<li class="post"><a href="/p/{n}1">{word} one</a><span class="score">1{n}</span></li>
<li class="post"><a href="/p/{n}2">{word} two</a><span class="score">2{n}</span></li>
</ul></body></html>"""
STRATEGY = {"name": "posts", "type": "css", "item": "li.post",
            "fields": {"title": "a", "link": {"selector": "a", "attr": "href"},
                       "score": "span.score"}}
LOCAL = {"KAIROS_ALLOW_PRIVATE_NETWORKS": "1", "KAIROS_FETCH_POLITENESS_DELAY_SECONDS": "0"}


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        s.route("/a", html(PAGE.format(n=1, word="Café"), None, encoding="latin-1"))
        s.route("/c", html(PAGE.format(n=3, word="Naïve"), None, encoding="latin-1"))
        yield s


def test_three_urls_one_404_over_the_api(kairos_factory: Any, site: LocalSite) -> None:
    kairos = kairos_factory(env_extra=LOCAL)
    kairos.start()
    urls = [site.url("/a"), site.url("/b"), site.url("/c")]
    with kairos.client() as client:
        made = client.post("/strategies", json=STRATEGY)
        assert made.status_code == 201, made.text
        created = client.post("/jobs", json={"strategy_id": made.json()["id"], "urls": urls})
        assert created.status_code == 201, created.text
        job = finished_job(client, created.json()["id"], timeout=30)

        assert job["status"] == "completed", job
        pages = {page["url"]: page for page in job["result"]["pages"]}
        assert [page["url"] for page in job["result"]["pages"]] == urls
        assert (pages[urls[0]]["status"], pages[urls[0]]["http_status"], pages[urls[0]]["items"]) == (
            "ok", 200, 2)
        assert (pages[urls[1]]["status"], pages[urls[1]]["http_status"]) == ("failed", 404)
        assert "404" in pages[urls[1]]["error"]
        assert pages[urls[2]]["status"] == "ok"
        assert job["item_count"] == 4

        results = client.get(f"/jobs/{job['id']}/results")
        assert results.status_code == 200, results.text
        items = results.json()["items"]
        assert items == [
            {"title": "Café one", "link": site.url("/p/11"), "score": "11"},
            {"title": "Café two", "link": site.url("/p/12"), "score": "21"},
            {"title": "Naïve one", "link": site.url("/p/31"), "score": "13"},
            {"title": "Naïve two", "link": site.url("/p/32"), "score": "23"},
        ]


def test_without_the_switch_the_local_site_is_refused(kairos_factory: Any, site: LocalSite) -> None:
    kairos = kairos_factory(env_extra={"KAIROS_FETCH_POLITENESS_DELAY_SECONDS": "0"})
    kairos.start()
    with kairos.client() as client:
        strategy = client.post("/strategies", json=STRATEGY).json()
        created = client.post("/jobs", json={"strategy_id": strategy["id"], "url": site.url("/a")})
        assert created.status_code == 201, created.text
        job = finished_job(client, created.json()["id"], timeout=30)
    assert job["status"] == "failed"
    assert "refused to connect to '127.0.0.1'" in job["error_message"]
    assert site.hits == {}
