"""Fetching pages politely and safely: timeouts, a size cap, charsets, retries, per-host limits.

One `Fetcher` serves the whole process, so its per-host limits hold across every scrape job
running at once: at most `per_host_concurrency` requests to a host at a time, and requests to
the same host started at least `politeness_delay` seconds apart. The HTTP client (and with it
the private-network guard and the hop-by-hop redirects) comes from `kairos.outbound`.
"""

from __future__ import annotations

import codecs
import contextlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from w3lib.encoding import html_to_unicode

from kairos import outbound
from kairos.exceptions import FetchFailed
from kairos.kinds.context import TaskContext
from kairos.outbound import retry_after_seconds
from kairos.settings import Settings

RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, kw_only=True)
class FetchSettings:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    per_host_concurrency: int = 2
    politeness_delay: float = 1.0
    max_attempts: int = 3
    backoff_seconds: float = 1.0  # the first retry's wait; each further retry waits twice as long
    max_retry_after: float = 60.0
    max_redirects: int = outbound.MAX_REDIRECTS

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchSettings:
        """The operator's `KAIROS_FETCH_*` settings."""
        return cls(
            connect_timeout=settings.fetch_connect_timeout_seconds,
            read_timeout=settings.fetch_read_timeout_seconds,
            max_bytes=settings.fetch_max_bytes,
            per_host_concurrency=settings.fetch_per_host_concurrency,
            politeness_delay=settings.fetch_politeness_delay_seconds,
            max_attempts=settings.fetch_max_attempts,
            max_retry_after=settings.fetch_max_retry_after_seconds,
        )


@dataclass(frozen=True, kw_only=True)
class FetchedPage:
    url: str  # where the content came from, after redirects
    requested_url: str
    status_code: int
    content_type: str | None
    encoding: str
    text: str
    attempts: int


@dataclass(frozen=True, kw_only=True)
class OutgoingRequest:
    url: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


def decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    """(encoding, text): BOM, else the header's charset, else <meta>, else UTF-8 with replacement."""
    encoding, text = html_to_unicode(content_type, body)
    with contextlib.suppress(LookupError):
        encoding = codecs.lookup(encoding).name  # one spelling: "utf8" and "UTF-8" are "utf-8"
    return encoding, text


class _HostGate:
    """The concurrency slots of one host and when its next request may start."""

    def __init__(self, slots: int) -> None:
        self.slots = threading.BoundedSemaphore(slots)
        self.lock = threading.Lock()
        self.next_start = 0.0


class Fetcher:
    """Fetches one URL at a time per call; safe to call from many threads at once."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()

    def _gate(self, host: str) -> _HostGate:
        with self._gates_lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = _HostGate(self.settings.per_host_concurrency)
            return gate

    def _acquire(self, gate: _HostGate, ctx: TaskContext) -> None:
        while not gate.slots.acquire(timeout=0.2):
            ctx.check_cancelled()
        try:
            with gate.lock:
                now = time.monotonic()
                wait = gate.next_start - now
                gate.next_start = max(now, gate.next_start) + self.settings.politeness_delay
            if wait > 0:
                ctx.sleep(wait)
        except BaseException:
            gate.slots.release()
            raise

    def _timeout(self, deadline: float | None, url: str) -> httpx.Timeout:
        connect, read = self.settings.connect_timeout, self.settings.read_timeout
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise FetchFailed(url, "the job's time ran out before this page was fetched")
            connect, read = min(connect, left), min(read, left)
        return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)

    def fetch(
        self, client: httpx.Client, target: OutgoingRequest | str, ctx: TaskContext | None = None,
        *, deadline: float | None = None,
    ) -> FetchedPage:
        """The page at `target`, retried on 429/502/503/504 and connection failures.

        Raises `FetchFailed` naming the URL and the reason (with the HTTP status when there was
        one); `JobCancelled` as soon as the job is cancelled between steps. Without a job
        (a strategy test from the API) pass no `ctx`.
        """
        ctx = ctx or TaskContext(job_id="", workspace_id="", schedule_id=None, attempt=1,
                                 scheduled_for=None)
        if isinstance(target, str):
            target = OutgoingRequest(url=target)
        url = target.url
        try:
            host = httpx.URL(url).host
        except httpx.InvalidURL as exc:
            raise FetchFailed(url, f"not a valid URL: {exc}") from exc
        gate = self._gate(host)
        attempt = 0
        while True:
            attempt += 1
            ctx.check_cancelled()
            self._acquire(gate, ctx)
            try:
                page, wait = self._attempt(client, target, attempt, deadline, ctx)
            finally:
                gate.slots.release()
            if page is not None:
                return page
            assert wait is not None
            delay, failure = wait
            if attempt >= self.settings.max_attempts:
                raise failure
            if deadline is not None and time.monotonic() + delay >= deadline:
                raise failure
            ctx.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        return float(self.settings.backoff_seconds * 2 ** (attempt - 1))

    def _attempt(
        self, client: httpx.Client, target: OutgoingRequest, attempt: int, deadline: float | None,
        ctx: TaskContext,
    ) -> tuple[FetchedPage | None, tuple[float, FetchFailed] | None]:
        """One try: the page, or how long to wait before the next try and the error if none comes."""
        url = target.url
        request = client.build_request(target.method, url, headers=dict(target.headers),
                                       content=target.body, timeout=self._timeout(deadline, url))
        try:
            response = outbound.send(client, request, stream=True,
                                     max_redirects=self.settings.max_redirects)
        except outbound.RedirectRefused as exc:
            raise FetchFailed(url, str(exc)) from exc
        except httpx.TimeoutException as exc:
            kind = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for the server"
            raise FetchFailed(url, f"timed out {kind}") from exc
        except httpx.ConnectError as exc:
            if outbound.is_refused(exc):
                raise FetchFailed(url, str(exc)) from exc
            return None, (self._backoff(attempt), FetchFailed(url, f"could not connect: {exc}"))
        except httpx.HTTPError as exc:
            raise FetchFailed(url, f"{exc.__class__.__name__}: {exc}") from exc
        try:
            status = response.status_code
            if status in RETRY_STATUSES:
                asked = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(UTC))
                delay = self._backoff(attempt) if asked is None else asked
                delay = min(delay, self.settings.max_retry_after)
                return None, (delay, FetchFailed(url, f"the server answered {status}",
                                                 http_status=status))
            if not 200 <= status < 300:
                raise FetchFailed(url, f"the server answered {status}", http_status=status)
            body = self._read_capped(response, url, ctx)
        finally:
            response.close()
        content_type = response.headers.get("Content-Type")
        encoding, text = decode(body, content_type)
        return FetchedPage(
            url=str(response.url), requested_url=url, status_code=status,
            content_type=content_type, encoding=encoding, text=text, attempts=attempt,
        ), None

    def _read_capped(self, response: httpx.Response, url: str, ctx: TaskContext) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        too_big = FetchFailed(url, f"the response is larger than {cap} bytes, the most Kairos "
                                   "reads of one page", http_status=response.status_code)
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                ctx.check_cancelled()
                size += len(chunk)
                if size > cap:
                    raise too_big
                chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise FetchFailed(url, "timed out waiting for the server",
                              http_status=response.status_code) from exc
        except httpx.HTTPError as exc:
            raise FetchFailed(url, f"the connection broke while reading: {exc}",
                              http_status=response.status_code) from exc
        return b"".join(chunks)
