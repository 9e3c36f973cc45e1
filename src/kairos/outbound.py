"""Outgoing HTTP goes through here: timeouts, the User-Agent, the private-network guard, redirects.

The guard lives in the connection layer (an httpcore network backend): the host name is
resolved once, every address is checked, and the socket is opened to the checked address. A
name that resolves to a public address when checked and a private one when connected (DNS
rebinding) therefore cannot slip through.

Clients never follow redirects on their own: `send` follows them one hop at a time, checks the
scheme of each new URL, and opens each hop through the same guarded backend, so a public page
that redirects to 169.254.169.254 is refused like a direct request would be.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpcore
import httpx

from kairos import __version__
from kairos.domain.networks import is_blocked
from kairos.exceptions import KairosError

USER_AGENT = f"Kairos/{__version__} (+https://github.com/kairos-scheduler/kairos; scheduled job)"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)
MAX_REDIRECTS = 5
# What a redirect to another origin still carries: what the client itself says, nothing a user wrote.
CROSS_ORIGIN_HEADERS = frozenset({"user-agent", "accept", "accept-encoding", "accept-language", "connection"})
ALLOWED_SCHEMES = ("http", "https")

# host, port -> the addresses the host name stands for. Tests inject their own to map a name
# to 127.0.0.1 without touching /etc/hosts or the network.
Resolver = Callable[[str, int], list[str]]



class BlockedAddress(httpcore.ConnectError):
    """The URL resolves to an address user-supplied URLs may not reach."""


class RedirectRefused(KairosError):
    """A redirect led somewhere Kairos will not follow (another scheme, or too many hops)."""

    status = 400


def is_refused(exc: BaseException) -> bool:
    """Whether an httpx error came from the private-network guard (no point retrying it)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, BlockedAddress):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _nothing_blocked(address: str) -> bool:
    return False


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system gives for `host`."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
    return [str(info[4][0]) for info in infos]


class GuardedBackend(httpcore.SyncBackend):
    """Resolve once, refuse blocked addresses, connect to the address that was checked."""

    def __init__(self, resolver: Resolver = system_resolver,
                 blocked: Callable[[str], bool] = is_blocked) -> None:
        self.resolver = resolver
        self.blocked = blocked

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.resolver(host, port)
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: no addresses")
        blocked = [a for a in addresses if self.blocked(a)]
        if blocked:
            raise BlockedAddress(
                f"refused to connect to {host!r}: it resolves to {blocked[0]}, a private, "
                "loopback or otherwise internal address (set KAIROS_ALLOW_PRIVATE_NETWORKS=1 "
                "to allow it)"
            )
        # Like socket.create_connection: try each checked address in turn (`localhost` may
        # give ::1 first to a server listening on 127.0.0.1 only).
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure


def make_client(
    *, allow_private_networks: bool, timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    resolver: Resolver | None = None, blocked: Callable[[str], bool] = is_blocked,
) -> httpx.Client:
    """The one HTTP client user-supplied URLs are fetched with. Send through `send`/`request`.

    `resolver` and `blocked` exist for tests: a resolver that maps a test name to 127.0.0.1, and
    a policy that lets a test reach its own local server while every other address is checked.
    """
    transport = httpx.HTTPTransport(retries=0)
    policy = _nothing_blocked if allow_private_networks else blocked
    transport._pool._network_backend = GuardedBackend(resolver or system_resolver, policy)
    # An explicit transport already keeps environment proxies out (a proxy would connect on
    # our behalf, past the guard); trust_env=False also keeps .netrc credentials out.
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        trust_env=False,
    )


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def check_url(url: httpx.URL) -> None:
    if url.scheme not in ALLOWED_SCHEMES or not url.host:
        raise RedirectRefused(f"refused to follow a redirect to {str(url)!r}: only absolute "
                              "http:// and https:// URLs are followed")


def _next_request(client: httpx.Client, request: httpx.Request, response: httpx.Response) -> httpx.Request:
    """The request for the next hop, as a browser would make it."""
    location = response.headers["Location"]
    try:
        url = request.url.join(location)
    except httpx.InvalidURL as exc:
        raise RedirectRefused(f"the redirect from {request.url} has an invalid Location {location!r}") from exc
    if url.fragment == "" and request.url.fragment:
        url = url.copy_with(fragment=request.url.fragment)
    check_url(url)
    method = request.method
    content: bytes | None = request.content if request.method not in ("GET", "HEAD") else None
    cross_origin = _origin(url) != _origin(request.url)
    if (response.status_code == 303 and method != "HEAD") or (
            response.status_code in (301, 302) and method == "POST") or (cross_origin and content):
        # A body written for one origin (an API template's, with its tokens) is not replayed to
        # another: the next hop is a plain GET.
        method, content = "GET", None
    headers = httpx.Headers(request.headers)
    headers.pop("Host", None)
    if cross_origin:
        # Headers meant for one origin (Authorization, Cookie, but also a template's X-Api-Key
        # or any custom header) are not handed to another: only the client's own are kept.
        headers = httpx.Headers({name: value for name, value in headers.items()
                                 if name.lower() in CROSS_ORIGIN_HEADERS})
    if content is None:
        headers.pop("Content-Length", None)
        headers.pop("Content-Type", None)
        headers.pop("Transfer-Encoding", None)
    return client.build_request(method, url, headers=headers, content=content,
                                extensions=request.extensions)


def send(
    client: httpx.Client, request: httpx.Request, *, stream: bool = False,
    max_redirects: int = MAX_REDIRECTS,
) -> httpx.Response:
    """Send `request`, following up to `max_redirects` redirects hop by hop.

    Each hop's URL must be http(s); each hop connects through the client's guarded backend.
    With `stream=True` the caller must close the final response.
    """
    check_url(request.url)
    history: list[httpx.Response] = []
    while True:
        response = client.send(request, stream=stream)
        if not response.has_redirect_location:
            response.history = history
            return response
        response.close()
        if len(history) >= max_redirects:
            raise RedirectRefused(f"more than {max_redirects} redirects, starting at "
                                  f"{history[0].request.url if history else request.url}")
        history.append(response)
        request = _next_request(client, request, response)


def request(
    client: httpx.Client, method: str, url: str, *, max_redirects: int = MAX_REDIRECTS,
    **kwargs: Any,
) -> httpx.Response:
    """`client.request`, with redirects followed hop by hop (see `send`); the body is read."""
    return send(client, client.build_request(method, url, **kwargs), max_redirects=max_redirects)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
