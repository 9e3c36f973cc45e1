"""OAuth tokens from Reddit's token endpoint, cached per app and refreshed before they expire."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from kairos import outbound
from kairos.exceptions import RedditUnavailable
from kairos.kinds.reddit.config import Credentials

DEFAULT_429_WAIT = 5.0
# Reddit's rate-limit window is ten minutes: no answer makes a job wait longer than that at once.
MAX_RETRY_AFTER = 600.0

# Refresh this long before Reddit says a token expires (or a tenth of its life, if shorter), so
# a request never goes out with a token that dies on the way.
REFRESH_MARGIN_SECONDS = 60.0


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Reddit's `Retry-After` in seconds (delta or HTTP date, as `outbound` reads it), at most
    MAX_RETRY_AFTER: an unreadable or absurd value never fails a job nor parks it for good."""
    wait = outbound.retry_after_seconds(headers.get("retry-after"), datetime.now(UTC))
    return None if wait is None else min(wait, MAX_RETRY_AFTER)


class TokenNotYet(Exception):
    """The token endpoint was throttled or failing (429, 5xx): ask again after `wait` seconds, or
    after the caller's own backoff when it is None."""

    def __init__(self, status: int, wait: float | None) -> None:
        super().__init__(f"Reddit's token endpoint answered HTTP {status}")
        self.status, self.wait = status, wait


def request_token(http: httpx.Client, base_url: str, credentials: Credentials,
                  user_agent: str) -> tuple[str, float]:
    """A new access token and its lifetime in seconds, `TokenNotYet` when Reddit asks to wait (or
    failed on its side), or `RedditUnavailable` saying why not. Transport errors are the caller's."""
    basic = httpx.BasicAuth(credentials.client_id, credentials.client_secret or "")
    request = http.build_request("POST", f"{base_url}/api/v1/access_token", data=credentials.grant(),
                                 headers={"User-Agent": user_agent})
    response = outbound.send(http, next(basic.sync_auth_flow(request)))
    response.read()
    if response.status_code == 429 or response.status_code >= 500:
        raise TokenNotYet(response.status_code, retry_after_seconds(response.headers)
                          if response.status_code == 429 else None)
    if response.status_code in (401, 403):
        raise RedditUnavailable(
            f"Reddit refused the app credentials (HTTP {response.status_code} from its token endpoint): "
            "check the client_id and client_secret of PUT /connections/reddit or KAIROS_REDDIT_CLIENT_ID/_SECRET")
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 400 or "access_token" not in body:
        reason = body.get("error") if isinstance(body, dict) else None
        hint = " (check the username and password, or the refresh_token)" if reason == "invalid_grant" else ""
        raise RedditUnavailable(f"Reddit gave no token (HTTP {response.status_code}"
                                f"{', ' + str(reason) if reason else ''}){hint}")
    return str(body["access_token"]), float(body.get("expires_in") or 3600)


class TokenCache:
    """Tokens per app and grant (every credential field, secrets included), for every job of this
    process. A token request holds only its own key's lock: one slow answer stalls no other app."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()  # over the two dicts only, never while fetching

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _cached(self, key: str) -> str | None:
        with self._guard:
            cached = self._tokens.get(key)
        return cached[0] if cached is not None and cached[1] > self.clock() else None

    def token(self, credentials: Credentials, fetch: Callable[[], tuple[str, float]]) -> str:
        key = credentials.token_key
        if (token := self._cached(key)) is not None:
            return token
        with self._lock_for(key):  # jobs of the same app wait for one request, not one each
            if (token := self._cached(key)) is not None:
                return token
            token, lifetime = fetch()
            margin = min(REFRESH_MARGIN_SECONDS, lifetime / 10)
            with self._guard:
                self._tokens[key] = (token, self.clock() + lifetime - margin)
            return token

    def forget(self, credentials: Credentials, token: str) -> None:
        """A 401 said `token` is no longer good: the next call gets a new one."""
        key = credentials.token_key
        with self._guard:
            cached = self._tokens.get(key)
            if cached is not None and cached[0] == token:
                del self._tokens[key]
