"""Which addresses user-supplied URLs may not reach: the private-network rule, pure.

The guard in `kairos.outbound` applies it to every resolved address at connect time; the domain
applies it to literal addresses when a URL is saved, so the mistake shows at once. A literal is
read as the resolver reads it (`literal_address`): `0`, `2130706433`, `0x7f.1` and `127.1` are
addresses to it, not names, so they are refused on save as they would be on connect.
"""

from __future__ import annotations

import ipaddress
import socket

# Networks no user-supplied URL may reach: beside what `ipaddress` calls private, loopback,
# link-local (which holds the cloud metadata address 169.254.169.254), multicast, reserved and
# unspecified, these are shared (carrier-grade NAT) and the NAT64/6to4 forms that embed IPv4.
_EXTRA_BLOCKED = [
    ipaddress.ip_network("100.64.0.0/10"),
    ipaddress.ip_network("192.0.0.0/24"),
    ipaddress.ip_network("198.18.0.0/15"),
    ipaddress.ip_network("fd00:ec2::254/128"),
]


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
        if ip.ipv4_mapped is not None:
            # A socket to ::ffff:a.b.c.d reaches a.b.c.d: that address decides.
            return is_blocked(str(ip.ipv4_mapped))
        inner = _embedded_ipv4(ip)
        if inner is not None and is_blocked(str(inner)):
            return True
    return (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified or not ip.is_global
        or any(ip in net for net in _EXTRA_BLOCKED)
    )


def literal_address(host: str) -> str | None:
    """The IP address `host` spells as a number, read as the connect-time resolver reads it; None for a name.

    The guard resolves with `getaddrinfo`, which takes every inet_aton form (`0`, decimal
    `2130706433`, hex `0x7f000001`, octal `0177.0.0.1`, short `127.1`); asking it with
    AI_NUMERICHOST reads those the same way and never looks a name up.
    """
    bare = host.strip("[]")
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(bare, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return str(infos[0][4][0]) if infos else None


def is_local_name(host: str) -> bool:
    """`localhost` and its subdomains (RFC 6761), which always resolve to loopback."""
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def is_blocked_host(host: str) -> bool:
    """Whether a URL's host is refused without a lookup: a blocked literal address, or localhost."""
    address = literal_address(host)
    return is_blocked(address) if address is not None else is_local_name(host)
