"""Calls to Reddit's API: OAuth or anonymous, raw_json=1, the budget, 401 refresh, 429 waits.

With credentials, calls go to `{oauth_url}{path}` with a bearer token; without, to
`{base_url}{path}.json`, and a refusal there (a 403 or an HTML block page) fails the job with the
one message that helps: configure credentials. Everything goes through the project's outbound
client, so the private-network guard applies.
"""

from __future__ import annotations

from typing import Any

import httpx

from kairos import outbound
from kairos.exceptions import RedditUnavailable
from kairos.kinds.reddit.auth import DEFAULT_429_WAIT, TokenCache, TokenNotYet, request_token, retry_after_seconds
from kairos.kinds.reddit.budget import BudgetGate
from kairos.kinds.reddit.config import Credentials, RedditSettings

CONFIGURE = ("give this workspace a Reddit app with PUT /connections/reddit (client_id, client_secret), "
             "or set KAIROS_REDDIT_CLIENT_ID and KAIROS_REDDIT_CLIENT_SECRET for the instance")
SERVER_ERROR_ATTEMPTS = 4


class NotOnReddit(RedditUnavailable):
    """Reddit has no such subreddit or user (or it is private or banned)."""


class RedditClient:
    def __init__(self, *, http: httpx.Client, settings: RedditSettings, credentials: Credentials | None,
                 tokens: TokenCache, gate: BudgetGate) -> None:
        self.http, self.settings, self.credentials = http, settings, credentials
        self.tokens, self.gate = tokens, gate
        self.requests = 0  # API calls that got an answer (throttled ones included)
        self.user_agent = (credentials.user_agent if credentials else None) or settings.user_agent

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._call("GET", path, params=params or {})

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self._call("POST", path, data=data)

    def _token(self) -> str:
        assert self.credentials is not None
        credentials = self.credentials
        return self.tokens.token(credentials, lambda: request_token(
            self.http, self.settings.base_url, credentials, self.user_agent))

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
              data: dict[str, Any] | None = None) -> Any:
        refreshed = False
        server_errors = 0
        while True:
            self.gate.ctx.check_cancelled()
            headers = {"User-Agent": self.user_agent}
            if self.credentials is None:
                url = f"{self.settings.base_url}{path}.json"
            else:
                url = f"{self.settings.oauth_url}{path}"
                try:
                    token = self._token()
                except TokenNotYet as exc:
                    # Throttled or failing like any API call: waited out, never the job's failure.
                    if exc.status == 429:
                        self.gate.wait(max(exc.wait if exc.wait is not None else DEFAULT_429_WAIT, 0.5))
                        continue
                    server_errors = self._after_failure(server_errors, f"Reddit kept failing to give a token ({exc})")
                    continue
                except httpx.TransportError as exc:
                    server_errors = self._after_failure(server_errors,
                                                        f"could not reach Reddit's token endpoint: {exc}",
                                                        refused=outbound.is_refused(exc))
                    continue
                headers["Authorization"] = f"bearer {token}"
            self.gate.acquire()
            query = {**(params or {}), "raw_json": 1}
            try:
                response = outbound.request(self.http, method, url, params=query, data=data, headers=headers)
            except httpx.TransportError as exc:
                server_errors = self._after_failure(server_errors, f"could not reach Reddit at {url}: {exc}",
                                                    refused=outbound.is_refused(exc))
                continue
            self.requests += 1
            self.gate.observe(response.headers)
            status = response.status_code
            if status == 401 and self.credentials is not None and not refreshed:
                # An expired or revoked token: one new token, then the same call again.
                self.tokens.forget(self.credentials, token)
                refreshed = True
                continue
            if status == 429:
                wait = retry_after_seconds(response.headers)
                if wait is None:
                    reset = response.headers.get("x-ratelimit-reset")
                    wait = float(reset) if reset and reset.replace(".", "", 1).isdigit() else DEFAULT_429_WAIT
                self.gate.throttled(max(wait, 0.5))
                continue
            if status >= 500:
                server_errors = self._after_failure(server_errors, f"Reddit kept failing on {path} (HTTP {status})")
                continue
            return self._body(response, path)

    def _after_failure(self, failures: int, message: str, *, refused: bool = False) -> int:
        """One more transient failure (a 5xx, a dropped connection, a failing token endpoint):
        the job stops once there were SERVER_ERROR_ATTEMPTS of them, or the guard refused the
        address; else it backs off exponentially. The failures counted so far."""
        failures += 1
        if refused or failures >= SERVER_ERROR_ATTEMPTS:
            raise RedditUnavailable(message)
        self.gate.wait(2.0 ** failures)
        return failures

    def _body(self, response: httpx.Response, path: str) -> Any:
        status = response.status_code
        is_html = "html" in response.headers.get("content-type", "")
        if self.credentials is None and (status == 403 or is_html):
            raise RedditUnavailable(
                f"Reddit refused anonymous access to {path} (HTTP {status}"
                f"{', its block page' if is_html else ''}): {CONFIGURE}")
        if status == 404:
            raise NotOnReddit(f"Reddit has nothing at {path} (HTTP 404): check the target's name")
        if status == 403:
            raise NotOnReddit(f"Reddit refused {path} (HTTP 403): the subreddit may be private or banned")
        if status == 401:
            raise RedditUnavailable(f"Reddit refused the token twice on {path} (HTTP 401): {CONFIGURE}")
        if status >= 400:
            raise RedditUnavailable(f"Reddit answered HTTP {status} on {path}")
        try:
            return response.json()
        except ValueError as exc:
            raise RedditUnavailable(f"Reddit answered {path} with something that is not JSON") from exc
