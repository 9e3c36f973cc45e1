"""Outgoing HTTP goes through here: timeouts, the User-Agent and the private-network guard.

The guard lives in the connection layer (an httpcore network backend): the host name is
resolved once, every address is checked, and the socket is opened to the checked address. A
name that resolves to a public address when checked and a private one when connected (DNS
rebinding) therefore cannot slip through, and every redirect hop passes the same check.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from kairos import __version__

USER_AGENT = f"Kairos/{__version__} (+https://github.com/kairos-scheduler/kairos; scheduled job)"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)

# Networks no user-supplied URL may reach: beside what `ipaddress` calls private, loopback,
# link-local (which holds the cloud metadata address 169.254.169.254), multicast, reserved and
# unspecified, these are shared (carrier-grade NAT) and the NAT64/6to4 forms that embed IPv4.
_EXTRA_BLOCKED = [
    ipaddress.ip_network("100.64.0.0/10"),
    ipaddress.ip_network("192.0.0.0/24"),
    ipaddress.ip_network("198.18.0.0/15"),
    ipaddress.ip_network("fd00:ec2::254/128"),
]


class BlockedAddress(httpx.ConnectError):
    """The URL resolves to an address user-supplied URLs may not reach."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_blocked(address: str) -> bool:
    """Whether a literal IP address lies in a network user URLs may not reach."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and is_blocked(str(inner)):
            return True
    return (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified or not ip.is_global
        or any(ip in net for net in _EXTRA_BLOCKED)
    )


class GuardedBackend(httpcore.SyncBackend):
    """Resolve once, refuse blocked addresses, connect to the address that was checked."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
        addresses = [str(info[4][0]) for info in infos]
        blocked = [a for a in addresses if is_blocked(a)]
        if blocked:
            raise httpcore.ConnectError(
                f"refused to connect to {host!r}: it resolves to {blocked[0]}, a private, "
                "loopback or otherwise internal address (set KAIROS_ALLOW_PRIVATE_NETWORKS=1 "
                "to allow it)"
            )
        return super().connect_tcp(addresses[0], port, timeout, local_address, socket_options)


def make_client(*, allow_private_networks: bool, timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.Client:
    """The one HTTP client user-supplied URLs are fetched with."""
    transport = httpx.HTTPTransport(retries=0)
    if not allow_private_networks:
        transport._pool._network_backend = GuardedBackend()
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )
