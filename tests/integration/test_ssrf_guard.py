"""The private-network guard: every blocked address class, names, redirects, and the switch."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kairos import outbound
from kairos.domain.networks import is_blocked
from kairos.exceptions import FetchFailed
from kairos.kinds.context import TaskContext
from kairos.kinds.scrape.fetch import Fetcher, FetchSettings
from kairos.outbound import make_client, system_resolver
from tests.local_site import Answer, LocalSite, html

BLOCKED = [
    "127.0.0.1", "127.1.2.3",  # loopback
    "10.0.0.1", "172.16.5.4", "192.168.1.1",  # private
    "169.254.169.254",  # link-local: the cloud metadata address
    "100.64.0.1", "100.127.255.254",  # carrier-grade NAT
    "224.0.0.1", "239.255.255.250",  # multicast
    "240.0.0.1", "255.255.255.255", "0.0.0.0",  # reserved, broadcast, unspecified
    "192.0.0.170", "198.18.0.1",  # IETF protocol assignments, benchmarking
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
    "fd00:ec2::254",  # AWS metadata over IPv6
    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.1.2.3",  # IPv4-mapped
    "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1",  # NAT64 of metadata and loopback
    "2002:7f00:1::1", "2002:a9fe:a9fe::1",  # 6to4 of loopback and metadata
    "fe80::1%eth0",  # with a zone
]
PUBLIC = ["93.184.216.34", "1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34"]


@pytest.mark.parametrize("address", BLOCKED)
def test_blocked_address_classes(address: str) -> None:
    assert is_blocked(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert not is_blocked(address)


def hostile_resolver(host: str, port: int) -> list[str]:
    """Maps made-up names the way a hostile DNS server would; everything else as the system does."""
    names = {"internal.test": ["127.0.0.1"], "metadata.test": ["169.254.169.254"],
             "mixed.test": ["93.184.216.34", "10.0.0.7"]}
    return names.get(host) or system_resolver(host, port)


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        s.route("/", html("<p>inside</p>"))
        yield s


def fetch(url: str, *, allow: bool, blocked: object = is_blocked) -> str:
    ctx = TaskContext(job_id="j", workspace_id="w", schedule_id=None, attempt=1, scheduled_for=None)
    fetcher = Fetcher(FetchSettings(politeness_delay=0, max_attempts=1, connect_timeout=2))
    with make_client(allow_private_networks=allow, resolver=hostile_resolver,
                     blocked=blocked) as client:  # type: ignore[arg-type]
        return fetcher.fetch(client, url, ctx).text


def urls(site: LocalSite) -> list[str]:
    return [site.url("/"), site.url("/", "localhost"), site.url("/", "internal.test"),
            site.url("/", "[::ffff:127.0.0.1]")]


def test_loopback_urls_and_names_are_refused(site: LocalSite) -> None:
    for url in urls(site):
        with pytest.raises(FetchFailed, match="refused to connect") as caught:
            fetch(url, allow=False)
        assert "KAIROS_ALLOW_PRIVATE_NETWORKS" in caught.value.reason
    assert site.hits == {}


def test_the_switch_lets_them_through(site: LocalSite) -> None:
    for url in urls(site)[:3]:
        assert fetch(url, allow=True) == "<p>inside</p>"
    assert site.hits == {"/": 3}


def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    with pytest.raises(FetchFailed, match=r"10\.0\.0\.7"):
        fetch("http://mixed.test/", allow=False)


def only_the_test_site_is_allowed(address: str) -> bool:
    """The guard as in production, except for the test's own server at 127.0.0.1."""
    return address != "127.0.0.1" and is_blocked(address)


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/", "http://metadata.test/", "http://10.0.0.1:8080/",
    "http://[::ffff:a9fe:a9fe]/",
])
def test_a_redirect_to_a_private_address_is_refused(site: LocalSite, target: str) -> None:
    site.route("/jump", Answer(status=302, headers={"Location": target}))
    assert fetch(site.url("/"), allow=False, blocked=only_the_test_site_is_allowed)
    with pytest.raises(FetchFailed, match="refused to connect"):
        fetch(site.url("/jump"), allow=False, blocked=only_the_test_site_is_allowed)
    assert site.hits["/jump"] == 1


def test_a_redirect_within_the_local_site_works_with_the_switch(site: LocalSite) -> None:
    site.route("/jump", Answer(status=302, headers={"Location": site.url("/", "internal.test")}))
    assert fetch(site.url("/jump"), allow=True) == "<p>inside</p>"


def test_callbacks_and_other_requests_use_the_same_guard(site: LocalSite) -> None:
    with make_client(allow_private_networks=False) as client, \
            pytest.raises(httpx.ConnectError) as caught:
        outbound.request(client, "POST", site.url("/"), json={"x": 1})
    assert outbound.is_refused(caught.value)
    with make_client(allow_private_networks=False, blocked=only_the_test_site_is_allowed) as client:
        site.route("/hop", Answer(status=307, headers={"Location": "http://10.9.9.9/"}))
        with pytest.raises(httpx.ConnectError) as caught:
            outbound.request(client, "POST", site.url("/hop"), json={"x": 1})
    assert outbound.is_refused(caught.value)
