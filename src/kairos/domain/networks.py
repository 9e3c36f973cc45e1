"""Which addresses user-supplied URLs may not reach: the private-network rule, pure.

The guard in `kairos.outbound` applies it to every resolved address at connect time; the domain
applies it to literal addresses when a URL is saved, so the mistake shows at once.
"""

from __future__ import annotations

import ipaddress

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
