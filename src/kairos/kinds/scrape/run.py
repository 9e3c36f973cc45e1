"""Kind `scrape`: fetch every URL of the job, extract items with its strategy, report per URL.

One URL failing does not fail the others: each gets its own outcome in the job's result
(`{"pages": [...]}`), and the job completes when at least one URL succeeded. Items are exactly
what the strategy extracted, in URL order then document order, so two runs over the same
content give the same items (and the same content hash).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from kairos.domain.strategies import Strategy
from kairos.exceptions import FetchFailed, JobCancelled, KairosError
from kairos.kinds.context import TaskContext
from kairos.kinds.scrape.extract import extract
from kairos.kinds.scrape.fetch import Fetcher, OutgoingRequest
from kairos.kinds.scrape.request import outgoing_request, render_request
from kairos.kinds.spec import RunFailed

# (workspace_id, strategy_id) -> the strategy; raises StrategyNotFound.
StrategyLookup = Callable[[str, str], Strategy]
# URLs of one job fetched at once; the fetcher's per-host limit still applies on top.
MAX_PARALLEL_URLS = 8


@dataclass(frozen=True, kw_only=True)
class PageOutcome:
    url: str
    status: str  # "ok" | "failed"
    http_status: int | None
    items: int
    error: str | None
    duration_ms: int

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "status": self.status, "http_status": self.http_status,
                "items": self.items, "error": self.error, "duration_ms": self.duration_ms}


@dataclass(frozen=True, kw_only=True)
class ScrapeOutcome:
    pages: list[PageOutcome]
    items: list[dict[str, Any]]

    @property
    def succeeded(self) -> bool:
        return any(page.status == "ok" for page in self.pages)

    @property
    def result(self) -> dict[str, Any]:
        return {"pages": [page.as_dict() for page in self.pages]}

    def failure_summary(self) -> str:
        failed = [page for page in self.pages if page.status == "failed"]
        lines = "; ".join(f"{page.url}: {page.error}" for page in failed)
        return f"{len(failed)} of {len(self.pages)} URLs failed: {lines}"


class ScrapeFailed(RunFailed):
    """Every URL of the scrape failed; the job's result still reports each URL's error."""

    def __init__(self, outcome: ScrapeOutcome) -> None:
        self.outcome = outcome
        super().__init__(outcome.failure_summary(), result=outcome.result)


def job_urls(payload: Mapping[str, Any]) -> list[str]:
    if payload.get("urls"):
        return [str(url) for url in payload["urls"]]
    return [str(payload["url"])]


def _outgoing(strategy: Strategy, url: str, parameters: Mapping[str, Any]) -> OutgoingRequest:
    """What to send for `url`: a plain GET, or the rendered request of an `api` strategy, which
    is offered the job's URL as its `{url}` parameter."""
    if strategy.type != "api":
        return OutgoingRequest(url=url)
    return outgoing_request(render_request(strategy, {"url": url, **parameters}))


class _Tally:
    """Pages done and items found so far, reported as the job's progress."""

    def __init__(self, ctx: TaskContext, total: int) -> None:
        self.ctx, self.total = ctx, total
        self.lock = threading.Lock()
        self.done = self.failed = self.items = 0
        ctx.progress(current=0, total=total, pages_done=0, pages_failed=0, items=0)

    def add(self, page: PageOutcome) -> None:
        with self.lock:
            self.done += 1
            self.failed += page.status == "failed"
            self.items += page.items
            self.ctx.progress(current=self.done, total=self.total, pages_done=self.done,
                              pages_failed=self.failed, items=self.items,
                              message=f"{self.done} of {self.total} pages")


def run_scrape(
    payload: Mapping[str, Any], ctx: TaskContext, *, strategies: StrategyLookup,
    fetcher: Fetcher, http_client: Callable[[], httpx.Client], deadline: float | None = None,
) -> ScrapeOutcome:
    """Scrape every URL of the job; raises `ScrapeFailed` if none succeeded."""
    strategy = strategies(ctx.workspace_id, str(payload["strategy_id"]))
    parameters = dict(payload.get("parameters") or {})
    urls = job_urls(payload)
    tally = _Tally(ctx, len(urls))

    def one(url: str) -> tuple[PageOutcome, list[dict[str, Any]]]:
        started = time.monotonic()
        http_status: int | None = None
        try:
            page = fetcher.fetch(client, _outgoing(strategy, url, parameters), ctx,
                                 deadline=deadline)
            http_status = page.status_code
            extraction = extract(strategy, page.text, url=page.url)
            items = [dict(item) for item in extraction.items]
            outcome = PageOutcome(url=url, status="ok", http_status=http_status, items=len(items),
                                  error=None, duration_ms=_ms_since(started))
        except FetchFailed as exc:
            items = []
            outcome = PageOutcome(url=url, status="failed", http_status=exc.http_status, items=0,
                                  error=exc.reason, duration_ms=_ms_since(started))
        except JobCancelled:
            raise
        except Exception as exc:  # extraction errors, a missing API parameter: this URL only
            items = []
            reason = str(exc) if isinstance(exc, KairosError) else f"{exc.__class__.__name__}: {exc}"
            outcome = PageOutcome(url=url, status="failed", http_status=http_status, items=0,
                                  error=reason, duration_ms=_ms_since(started))
        tally.add(outcome)
        return outcome, items

    with http_client() as client, ThreadPoolExecutor(
            max_workers=min(len(urls), MAX_PARALLEL_URLS), thread_name_prefix="kairos-fetch") as pool:
        results = list(pool.map(one, urls))
    ctx.check_cancelled()
    outcome = ScrapeOutcome(pages=[page for page, _ in results],
                            items=[item for _, items in results for item in items])
    if not outcome.succeeded:
        raise ScrapeFailed(outcome)
    return outcome


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
