"""The fetcher against a real local HTTP server: charsets, retries, timeouts, size cap, limits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from kairos.exceptions import FetchFailed, JobCancelled
from kairos.kinds.context import TaskContext
from kairos.kinds.scrape.fetch import Fetcher, FetchSettings, OutgoingRequest
from kairos.outbound import USER_AGENT, make_client
from tests.local_site import Answer, LocalSite, html

QUICK = FetchSettings(connect_timeout=2.0, read_timeout=2.0, politeness_delay=0.0,
                      backoff_seconds=0.01, max_attempts=3, max_retry_after=1.0)
TEXT = "Crème brûlée à 5 €"  # é, è, à in latin-1; € is not, so latin-1 pages use "EUR"


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(allow_private_networks=True) as c:
        yield c


def ctx() -> TaskContext:
    return TaskContext(job_id="job_t", workspace_id="ws", schedule_id=None, attempt=1,
                       scheduled_for=None)


def test_utf8_declared_in_the_header(site: LocalSite, client: httpx.Client) -> None:
    url = site.route("/u", html(f"<p>{TEXT}</p>", "utf-8"))
    page = Fetcher(QUICK).fetch(client, url, ctx())
    assert page.encoding == "utf-8"
    assert TEXT in page.text


def test_latin1_declared_in_the_header(site: LocalSite, client: httpx.Client) -> None:
    text = TEXT.replace("€", "EUR")
    url = site.route("/l", html(f"<p>{text}</p>", "iso-8859-1", encoding="latin-1"))
    page = Fetcher(QUICK).fetch(client, url, ctx())
    assert text in page.text
    assert "\ufffd" not in page.text


def test_charset_only_in_meta(site: LocalSite, client: httpx.Client) -> None:
    text = TEXT.replace("€", "EUR")
    body = f'<html><head><meta charset="windows-1252"></head><body>{text}</body></html>'
    url = site.route("/m", html(body, None, encoding="cp1252"))
    page = Fetcher(QUICK).fetch(client, url, ctx())
    assert text in page.text


def test_charset_only_in_http_equiv_meta(site: LocalSite, client: httpx.Client) -> None:
    body = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
            '</head><body>Привет</body></html>')
    url = site.route("/k", html(body, None, encoding="koi8-r"))
    assert "Привет" in Fetcher(QUICK).fetch(client, url, ctx()).text


def test_no_charset_anywhere_is_utf8_with_replacement(site: LocalSite, client: httpx.Client) -> None:
    url = site.route("/n", Answer(body="café ".encode() + b"\xff!", headers={"Content-Type": "text/html"}))
    page = Fetcher(QUICK).fetch(client, url, ctx())
    assert page.text == "café \ufffd!"


def test_a_bom_wins(site: LocalSite, client: httpx.Client) -> None:
    url = site.route("/b", Answer(body="\ufeffcafé".encode("utf-16-le"),
                                  headers={"Content-Type": "text/html"}))
    assert Fetcher(QUICK).fetch(client, url, ctx()).text == "café"


def test_503_then_200_honours_retry_after(site: LocalSite, client: httpx.Client) -> None:
    url = site.route("/r", Answer(status=503, headers={"Retry-After": "0"}), html("fine"))
    page = Fetcher(QUICK).fetch(client, url, ctx())
    assert page.text == "fine" and page.attempts == 2
    assert site.hits["/r"] == 2


def test_retry_after_as_an_http_date(site: LocalSite, client: httpx.Client) -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    url = site.route("/d", Answer(status=503, headers={"Retry-After": soon}), html("later"))
    page = Fetcher(QUICK).fetch(client, url, ctx())
    assert page.text == "later" and page.attempts == 2


def test_429_is_retried(site: LocalSite, client: httpx.Client) -> None:
    url = site.route("/t", Answer(status=429, headers={"Retry-After": "0"}), html("ok"))
    assert Fetcher(QUICK).fetch(client, url, ctx()).attempts == 2


def test_gives_up_after_the_last_attempt(site: LocalSite, client: httpx.Client) -> None:
    url = site.route("/down", Answer(status=502))
    with pytest.raises(FetchFailed) as caught:
        Fetcher(QUICK).fetch(client, url, ctx())
    assert caught.value.http_status == 502
    assert "502" in caught.value.reason
    assert site.hits["/down"] == QUICK.max_attempts


def test_404_is_not_retried(site: LocalSite, client: httpx.Client) -> None:
    url = site.url("/missing")
    with pytest.raises(FetchFailed) as caught:
        Fetcher(QUICK).fetch(client, url, ctx())
    assert caught.value.http_status == 404
    assert site.hits["/missing"] == 1


def test_a_slow_server_hits_the_read_timeout(site: LocalSite, client: httpx.Client) -> None:
    url = site.route("/slow", Answer(body=b"late", hold=1.5))
    fetcher = Fetcher(FetchSettings(read_timeout=0.3, politeness_delay=0, max_attempts=1))
    with pytest.raises(FetchFailed, match="timed out waiting for the server"):
        fetcher.fetch(client, url, ctx())


def test_a_body_that_stalls_hits_the_read_timeout(site: LocalSite, client: httpx.Client) -> None:
    url = site.route("/stall", Answer(body=b"late", delay=1.5))
    fetcher = Fetcher(FetchSettings(read_timeout=0.3, politeness_delay=0, max_attempts=1))
    with pytest.raises(FetchFailed, match="timed out"):
        fetcher.fetch(client, url, ctx())


def test_an_oversize_body_is_refused(site: LocalSite, client: httpx.Client) -> None:
    url = site.route("/big", html("x" * 5000))
    with pytest.raises(FetchFailed, match="larger than 2048 bytes"):
        Fetcher(FetchSettings(max_bytes=2048, politeness_delay=0)).fetch(client, url, ctx())


def test_an_oversize_body_without_a_length_is_cut_off(site: LocalSite, client: httpx.Client) -> None:
    url = site.route("/stream", Answer(body=b"y" * 50_000, chunked=True))
    with pytest.raises(FetchFailed, match="larger than 2048 bytes"):
        Fetcher(FetchSettings(max_bytes=2048, politeness_delay=0)).fetch(client, url, ctx())


def test_the_user_agent_is_honest(site: LocalSite, client: httpx.Client) -> None:
    Fetcher(QUICK).fetch(client, site.route("/ua", html("hi")), ctx())
    agent = site.seen_headers[-1]["User-Agent"]
    assert agent == USER_AGENT and agent.startswith("Kairos/")


def test_redirects_are_followed_hop_by_hop(site: LocalSite, client: httpx.Client) -> None:
    site.route("/a", Answer(status=301, headers={"Location": "/b"}))
    site.route("/b", Answer(status=302, headers={"Location": site.url("/c")}))
    site.route("/c", html("landed"))
    page = Fetcher(QUICK).fetch(client, site.url("/a"), ctx())
    assert page.text == "landed" and page.url == site.url("/c")


def test_too_many_redirects(site: LocalSite, client: httpx.Client) -> None:
    site.route("/loop", Answer(status=302, headers={"Location": "/loop"}))
    with pytest.raises(FetchFailed, match="more than 5 redirects"):
        Fetcher(QUICK).fetch(client, site.url("/loop"), ctx())
    assert site.hits["/loop"] == 6


def test_a_redirect_to_another_scheme_is_refused(site: LocalSite, client: httpx.Client) -> None:
    site.route("/f", Answer(status=302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(FetchFailed, match="only absolute http:// and https://"):
        Fetcher(QUICK).fetch(client, site.url("/f"), ctx())


def test_post_requests_carry_their_body(site: LocalSite, client: httpx.Client) -> None:
    target = OutgoingRequest(url=site.route("/api", html("{}")), method="POST",
                             headers={"X-Token": "t"}, body=b'{"q": 1}')
    assert Fetcher(QUICK).fetch(client, target, ctx()).text == "{}"
    assert site.seen_headers[-1]["X-Token"] == "t"


def test_at_most_n_requests_per_host_at_once(site: LocalSite, client: httpx.Client) -> None:
    for i in range(6):
        site.route(f"/p{i}", Answer(body=b"ok", hold=0.2))
    fetcher = Fetcher(FetchSettings(per_host_concurrency=2, politeness_delay=0))
    threads = [threading.Thread(target=fetcher.fetch, args=(client, site.url(f"/p{i}"), ctx()))
               for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sum(site.hits.values()) == 6
    assert site.max_in_flight == 2


def test_a_cancelled_job_stops_waiting_for_a_retry(site: LocalSite, client: httpx.Client) -> None:
    url = site.route("/wait", Answer(status=503, headers={"Retry-After": "30"}))
    job = ctx()
    fetcher = Fetcher(FetchSettings(politeness_delay=0, max_retry_after=30))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fetcher.fetch(client, url, job)
        except BaseException as exc:  # recorded for the assertion below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    while site.hits.get("/wait", 0) < 1:
        thread.join(0.01)
    job.cancel("cancelled by request")
    thread.join(5)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], JobCancelled)
