"""The secrets of an `api` strategy are write-only: every answer shows them masked.

An API strategy carries third-party credentials: an `Authorization` header, an `X-Api-Key`, a
`token` parameter, a password in the URL, an `api_key` query argument, a `client_secret` in a
JSON body. Which value is a secret is read from its name (and, for headers, from an auth scheme
in the value): masking a harmless value is a small cost, showing a credential is not.

`masked(strategy)` is what every answer presents. `restore_secrets(changes, current)` reads an
update the way a client that edits what it was shown means it: a value still equal to `MASK`
keeps the stored secret at that place; anything else replaces it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from kairos.domain.strategies import PLACEHOLDER, RequestTemplate, Strategy

MASK = "********"
SECRET_NAME = re.compile(r"auth|token|secret|pass|pwd|key|cookie|session|signature|credential|"
                         r"private|jwt|bearer", re.IGNORECASE)
AUTH_SCHEME = re.compile(r"^\s*(bearer|basic|token|digest|apikey)\b", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    return SECRET_NAME.search(name) is not None


def _holds_literal(value: str) -> bool:
    """True when a value has text of its own: `Bearer {token}` holds none (the secret is a parameter)."""
    rest = AUTH_SCHEME.sub("", PLACEHOLDER.sub("", value))
    return bool(rest.strip())


def _secret_header(name: str, value: str) -> bool:
    return (is_secret_name(name) or AUTH_SCHEME.match(value) is not None) and _holds_literal(value)


def _mask_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: MASK if is_secret_name(k) and _literal_value(v) else _mask_json(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_json(item) for item in value]
    return value


def _literal_value(value: Any) -> bool:
    return not isinstance(value, str) or _holds_literal(value)


def mask_url(url: str) -> str:
    """The URL with its password and the values of secret-named query arguments masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, password = userinfo.partition(":")
        if colon and _holds_literal(password):
            netloc = f"{user}:{MASK}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_name(k) and _holds_literal(v) for k, v in pairs):
            query = urlencode([(k, MASK if is_secret_name(k) and _holds_literal(v) else v) for k, v in pairs],
                              safe="{}*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def masked_request(request: RequestTemplate) -> RequestTemplate:
    return dataclasses.replace(
        request, url=mask_url(request.url),
        headers={k: MASK if _secret_header(k, v) else v for k, v in request.headers.items()},
        body=_mask_json(request.body),
    )


def mask_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters with the value of each secret-named one replaced by `MASK`."""
    return {k: MASK if is_secret_name(k) and _literal_value(v) else v for k, v in parameters.items()}


def masked(strategy: Strategy) -> Strategy:
    """The strategy as any answer shows it: every secret replaced by `MASK`."""
    return dataclasses.replace(
        strategy,
        request=masked_request(strategy.request) if strategy.request else None,
        parameters=mask_parameters(strategy.parameters),
    )


def _restore_json(sent: Any, stored: Any) -> Any:
    if sent == MASK:
        return stored
    if isinstance(sent, Mapping) and isinstance(stored, Mapping):
        return {k: _restore_json(v, stored[k]) if k in stored else v for k, v in sent.items()}
    if isinstance(sent, list) and isinstance(stored, list) and len(sent) == len(stored):
        return [_restore_json(a, b) for a, b in zip(sent, stored, strict=True)]
    return sent


def _restore_request(sent: Mapping[str, Any], stored: RequestTemplate) -> dict[str, Any]:
    restored = dict(sent)
    if sent.get("url") == mask_url(stored.url):
        restored["url"] = stored.url
    stored_headers = {k.lower(): v for k, v in stored.headers.items()}
    if isinstance(sent.get("headers"), Mapping):
        restored["headers"] = {k: stored_headers.get(k.lower(), v) if v == MASK else v
                               for k, v in sent["headers"].items()}
    if "body" in sent:
        restored["body"] = _restore_json(sent["body"], stored.body)
    return restored


def restore_secrets(changes: Mapping[str, Any], current: Strategy) -> dict[str, Any]:
    """The changes with each value still equal to `MASK` put back to the stored secret it stands for."""
    restored = dict(changes)
    if isinstance(changes.get("parameters"), Mapping):
        restored["parameters"] = {k: current.parameters.get(k, v) if v == MASK else v
                                  for k, v in changes["parameters"].items()}
    if isinstance(changes.get("request"), Mapping) and current.request is not None:
        restored["request"] = _restore_request(changes["request"], current.request)
    return restored
