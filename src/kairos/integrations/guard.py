"""The private-network guard (SPEC 7) for the addresses a link makes Kairos connect to.

Checked when a link is saved, and again before each connection Kairos opens for it (a publish, a
result backend query, a source read): a name that resolved to a public address yesterday may
resolve to a private one today.
"""

from __future__ import annotations

import socket
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from kairos.domain.links import SchedulerLink, link_urls, unsafe_query_keys
from kairos.domain.networks import is_blocked
from kairos.exceptions import FieldError, InvalidInput


@dataclass(frozen=True)
class SourcePolicy:
    """What the operator allows links to reach (settings), passed in by the composition root."""

    allow_private_networks: bool = False
    allow_app_imports: bool = False


def _refused(field: str, host: str) -> InvalidInput:
    return InvalidInput(errors=[FieldError(tuple(field.split(".")), (
        f"{host} is a private, loopback or local address, which links may not reach "
        "(the operator can allow it with KAIROS_ALLOW_PRIVATE_NETWORKS)"))])


def check_urls(link: SchedulerLink, policy: SourcePolicy, fields: Collection[str] | None = None) -> None:
    """Refuse a link whose URLs (or only those in `fields`) resolve to addresses user input may not
    reach, or name another host or a local file in their query (400 naming the field)."""
    for field, url in link_urls(link):
        if fields is not None and field not in fields:
            continue
        unsafe = unsafe_query_keys(url)
        if unsafe:
            raise InvalidInput.field(tuple(field.split(".")), "may not set " + ", ".join(unsafe) +
                                     " in its query: put the host in the URL itself")
        if policy.allow_private_networks:
            continue
        parts = urlsplit(url)
        if parts.scheme.startswith("sqlite"):
            raise _refused(field, "a SQLite file on the Kairos host")
        host = parts.hostname or "localhost"
        try:
            infos = socket.getaddrinfo(host, parts.port or 0, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise InvalidInput.field(tuple(field.split(".")), f"cannot resolve {host!r}") from None
        if any(is_blocked(str(info[4][0])) for info in infos):
            raise _refused(field, host)
