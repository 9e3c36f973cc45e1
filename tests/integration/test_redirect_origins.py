"""A redirect to another origin carries none of what a user wrote for the first (issue 13, 1)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kairos.kinds.context import TaskContext
from kairos.kinds.scrape.fetch import Fetcher, FetchSettings, OutgoingRequest
from kairos.outbound import make_client
from tests.local_site import Answer, LocalSite, html

QUICK = FetchSettings(connect_timeout=2.0, read_timeout=2.0, politeness_delay=0.0,
                      backoff_seconds=0.01, max_attempts=1)
SECRET_HEADERS = {"X-Api-Key": "k-123", "Authorization": "Bearer t-456", "X-Custom": "c",
                  "Cookie": "s=1"}


@pytest.fixture
def sites() -> Iterator[tuple[LocalSite, LocalSite]]:
    with LocalSite() as first, LocalSite() as second:
        yield first, second


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(allow_private_networks=True) as c:
        yield c


def ctx() -> TaskContext:
    return TaskContext(job_id="job_t", workspace_id="ws", schedule_id=None, attempt=1,
                       scheduled_for=None)


def test_another_origin_gets_no_custom_header_and_no_body(sites: tuple[LocalSite, LocalSite],
                                                          client: httpx.Client) -> None:
    first, second = sites
    landing = second.route("/landing", html("landed"))
    first.route("/api", Answer(status=307, headers={"Location": landing}))
    target = OutgoingRequest(url=first.url("/api"), method="POST", headers=SECRET_HEADERS,
                             body=b'{"token": "b-789"}')
    assert Fetcher(QUICK).fetch(client, target, ctx()).text == "landed"
    sent = {name.lower() for name in second.seen_headers[-1]}
    assert not sent & {name.lower() for name in SECRET_HEADERS}
    assert second.seen_bodies == [("GET", "/landing", b"")]
    assert "user-agent" in sent


def test_another_port_of_the_same_host_is_another_origin(sites: tuple[LocalSite, LocalSite],
                                                         client: httpx.Client) -> None:
    first, second = sites
    first.route("/a", Answer(status=302, headers={"Location": second.route("/b", html("b"))}))
    Fetcher(QUICK).fetch(client, OutgoingRequest(url=first.url("/a"), headers=SECRET_HEADERS), ctx())
    assert "X-Api-Key" not in second.seen_headers[-1]


def test_the_same_origin_keeps_headers_and_body(sites: tuple[LocalSite, LocalSite],
                                                client: httpx.Client) -> None:
    first, _ = sites
    first.route("/api", Answer(status=307, headers={"Location": "/moved"}))
    first.route("/moved", html("moved"))
    target = OutgoingRequest(url=first.url("/api"), method="POST", headers=SECRET_HEADERS,
                             body=b'{"token": "b-789"}')
    Fetcher(QUICK).fetch(client, target, ctx())
    assert first.seen_headers[-1]["X-Api-Key"] == "k-123"
    assert first.seen_bodies[-1] == ("POST", "/moved", b'{"token": "b-789"}')
