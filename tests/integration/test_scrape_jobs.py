"""Scrape jobs run by a real worker on a real database against a real local site."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from functools import partial

import pytest

from kairos.domain.definition import build_job
from kairos.domain.jobs import Job
from kairos.domain.strategies import Strategy, build_strategy
from kairos.engine.worker import Worker
from kairos.ids import new_id
from kairos.kinds import registry
from kairos.kinds.catalog import KINDS
from kairos.kinds.runner import JobRunner
from kairos.kinds.scrape.fetch import Fetcher, FetchSettings
from kairos.kinds.scrape.spec import ScrapeRunner
from kairos.kinds.spec import KindServices
from kairos.outbound import make_client
from kairos.settings import Settings
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.local_site import Answer, LocalSite, html

QUICK = FetchSettings(politeness_delay=0, backoff_seconds=0.01, max_attempts=2, read_timeout=5)
PRODUCTS = """<html><body><ul>
<li class="product"><span class="name">{a}</span><span class="price">1.50</span></li>
<li class="product"><span class="name">{b}</span><span class="price">2.00</span></li>
</ul></body></html>"""


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        s.route("/one", html(PRODUCTS.format(a="Apple", b="Banana")))
        s.route("/two", html(PRODUCTS.format(a="Cherry", b="Date")))
        s.route("/api/items", Answer(body=b'{"data": [{"n": "x"}, {"n": "y"}]}',
                                     headers={"Content-Type": "application/json"}))
        yield s


def start_worker(store: SqlStore, *, allow_private: bool) -> tuple[Worker, threading.Thread]:
    client = partial(make_client, allow_private_networks=allow_private)
    services = KindServices(settings=Settings(), store=store, http_client=client,
                            tasks=registry.tasks, workflows=registry.workflows)
    runners = KINDS.build_runners(services)
    # Quick retries instead of the operator's politeness settings.
    runners["scrape"] = ScrapeRunner(store.get_strategy, Fetcher(QUICK), client)
    runner = JobRunner(runners, client)
    w = Worker(store, runner, concurrency=2, lease_seconds=5, poll_interval=0.05,
               renew_interval=0.2)
    thread = threading.Thread(target=w.run, daemon=True)
    thread.start()
    return w, thread


@pytest.fixture
def worker(store: SqlStore) -> Iterator[Worker]:
    w, thread = start_worker(store, allow_private=True)
    yield w
    w.stop()
    thread.join(15)


def workspace(store: SqlStore) -> str:
    return store.ensure_workspace("default", "default", utcnow()).id


def add_strategy(store: SqlStore, **sent: object) -> Strategy:
    body = {"name": "products", "type": "css", "item": "li.product",
            "fields": {"name": "span.name", "price": "span.price"}, **sent}
    strategy = build_strategy(body, strategy_id=new_id("stg"), workspace_id=workspace(store),
                              now=utcnow())
    store.add_strategy(strategy)
    return strategy


def submit(store: SqlStore, **fields: object) -> Job:
    job = build_job({"kind": "scrape", **fields}, job_id=new_id("job"),
                    workspace_id=workspace(store), now=utcnow(), kinds=KINDS.rulebook)
    store.add_job(job)
    return job


def finished(store: SqlStore, job: Job, timeout: float = 20) -> Job:
    return wait_until(store, job, lambda j: j.finished, timeout)


def wait_until(store: SqlStore, job: Job, check: Callable[[Job], bool], timeout: float = 20) -> Job:
    deadline = time.monotonic() + timeout
    current = store.get_job(job.workspace_id, job.id)
    while not check(current):
        if time.monotonic() > deadline:
            raise AssertionError(f"job never got there; last: {current}")
        time.sleep(0.05)
        current = store.get_job(job.workspace_id, job.id)
    return current


def test_one_failing_url_does_not_fail_the_others(
        store: SqlStore, worker: Worker, site: LocalSite) -> None:
    strategy = add_strategy(store)
    urls = [site.url("/one"), site.url("/missing"), site.url("/two")]
    done = finished(store, submit(store, strategy_id=strategy.id, urls=urls))
    assert done.status == "completed", done.error_message
    pages = done.result["pages"]
    assert [(p["url"], p["status"], p["http_status"], p["items"]) for p in pages] == [
        (urls[0], "ok", 200, 2), (urls[1], "failed", 404, 0), (urls[2], "ok", 200, 2)]
    assert "404" in pages[1]["error"] and pages[0]["error"] is None
    assert all(isinstance(p["duration_ms"], int) for p in pages)
    assert done.item_count == 4
    assert done.progress["pages_done"] == 3 and done.progress["pages_failed"] == 1
    assert done.progress["items"] == 4


def test_items_are_the_extracted_dicts_and_hash_the_same_on_a_rerun(
        store: SqlStore, worker: Worker, site: LocalSite) -> None:
    strategy = add_strategy(store)
    first = finished(store, submit(store, strategy_id=strategy.id, url=site.url("/one")))
    second = finished(store, submit(store, strategy_id=strategy.id, url=site.url("/one")))
    assert first.status == second.status == "completed"
    assert first.content_hash == second.content_hash is not None
    other = finished(store, submit(store, strategy_id=strategy.id, url=site.url("/two")))
    assert other.content_hash != first.content_hash


def test_when_every_url_fails_the_job_fails_naming_them(
        store: SqlStore, worker: Worker, site: LocalSite) -> None:
    strategy = add_strategy(store)
    site.route("/down", Answer(status=503))
    urls = [site.url("/gone"), site.url("/down")]
    done = finished(store, submit(store, strategy_id=strategy.id, urls=urls))
    assert done.status == "failed"
    assert done.error_message is not None
    assert "2 of 2 URLs failed" in done.error_message
    assert f"{urls[0]}: the server answered 404" in done.error_message
    assert f"{urls[1]}: the server answered 503" in done.error_message
    assert site.hits["/down"] == QUICK.max_attempts


def test_an_item_selector_matching_nothing_is_that_page_failing(
        store: SqlStore, worker: Worker, site: LocalSite) -> None:
    strategy = add_strategy(store, item="div.nothing-here")
    done = finished(store, submit(store, strategy_id=strategy.id,
                                  urls=[site.url("/one"), site.url("/two")]))
    assert done.status == "failed"
    assert "div.nothing-here" in (done.error_message or "")


def test_api_strategies_render_their_request(
        store: SqlStore, worker: Worker, site: LocalSite) -> None:
    strategy = add_strategy(store, type="api", item="data", fields={"name": "n"},
                            request={"method": "POST", "url": "{url}?page={page}",
                                     "headers": {"X-Key": "{key}"}, "body": {"limit": "{limit}"}},
                            parameters={"page": 1, "key": "k1", "limit": 5})
    done = finished(store, submit(store, strategy_id=strategy.id, url=site.url("/api/items"),
                                  parameters={"page": 2}))
    assert done.status == "completed", done.error_message
    assert done.item_count == 2
    assert site.seen_headers[-1]["X-Key"] == "k1"


def test_a_missing_strategy_fails_the_job_clearly(store: SqlStore, worker: Worker, site: LocalSite) -> None:
    done = finished(store, submit(store, strategy_id="stg_gone", url=site.url("/one")))
    assert done.status == "failed" and "stg_gone" in (done.error_message or "")


def test_the_job_timeout_bounds_a_slow_page(store: SqlStore, worker: Worker, site: LocalSite) -> None:
    strategy = add_strategy(store)
    site.route("/slow", Answer(body=b"<li class='product'>x</li>", hold=4))
    done = finished(store, submit(store, strategy_id=strategy.id, url=site.url("/slow"),
                                  timeout_seconds=1))
    assert done.status == "failed"
    assert "timed out" in (done.error_message or "")


def test_cancelling_a_scrape_stops_it(store: SqlStore, worker: Worker, site: LocalSite) -> None:
    strategy = add_strategy(store)
    site.route("/wait", Answer(status=503, headers={"Retry-After": "30"}))
    job = submit(store, strategy_id=strategy.id, url=site.url("/wait"))
    wait_until(store, job, lambda j: j.status == "running" and site.hits.get("/wait", 0) > 0)
    store.cancel_job(job.workspace_id, job.id, utcnow())
    worker.cancel_local(job.id, "cancelled by request")
    assert finished(store, job).status == "cancelled"


@pytest.mark.parametrize("allow_private", [False, True])
def test_private_targets_need_the_switch(store: SqlStore, site: LocalSite, allow_private: bool) -> None:
    strategy = add_strategy(store)
    w, thread = start_worker(store, allow_private=allow_private)
    try:
        done = finished(store, submit(store, strategy_id=strategy.id,
                                      url=site.url("/one", "localhost")))
    finally:
        w.stop()
        thread.join(15)
    if allow_private:
        assert done.status == "completed" and done.item_count == 2
    else:
        assert done.status == "failed"
        assert "refused to connect to 'localhost'" in (done.error_message or "")
        assert "KAIROS_ALLOW_PRIVATE_NETWORKS" in (done.error_message or "")
        assert site.hits == {}
