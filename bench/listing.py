"""Schedule-list page latency: the same 200 pages through the store and through HTTP."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from kairos.api.deps import MAX_OFFSET
from kairos.store.base import Page, ScheduleFilters
from kairos.store.sqlalchemy.rows import encode_cursor
from kairos.store.sqlalchemy.store import SqlStore

LIMIT = 50
WARMUP = 3


@dataclass(frozen=True)
class Request:
    kind: str  # "first page", "offset", "cursor"
    page: Page


def plan(total: int, sample_ids: list[str], count: int, seed: int = 7) -> list[Request]:
    """A fifth first pages, the rest split between random offsets and random cursors."""
    rng = random.Random(seed)
    firsts = count // 5
    offsets = (count - firsts) // 2
    requests = [Request("first page", Page(limit=LIMIT)) for _ in range(firsts)]
    # The API takes offsets up to MAX_OFFSET and points deeper pages to the cursor.
    deepest = min(total - LIMIT, MAX_OFFSET)
    requests += [Request("offset", Page(limit=LIMIT, offset=rng.randrange(0, deepest)))
                 for _ in range(offsets)]
    requests += [Request("cursor", Page(limit=LIMIT, cursor=encode_cursor(rng.choice(sample_ids))))
                 for _ in range(count - firsts - offsets)]
    rng.shuffle(requests)
    return requests


def _timed(requests: list[Request], fetch: Callable[[Page], int]) -> dict[str, list[float]]:
    for request in requests[:WARMUP]:
        fetch(request.page)
    times: dict[str, list[float]] = {}
    for request in requests:
        began = time.perf_counter()
        items = fetch(request.page)
        times.setdefault(request.kind, []).append(time.perf_counter() - began)
        if items == 0:
            raise RuntimeError(f"empty page for {request}")
    return times


def through_store(store: SqlStore, workspace_id: str,
                  requests: list[Request]) -> dict[str, list[float]]:
    def fetch(page: Page) -> int:
        return len(store.list_schedules(workspace_id, ScheduleFilters(), page).items)

    return _timed(requests, fetch)


def through_http(client: httpx.Client, requests: list[Request]) -> dict[str, list[float]]:
    def fetch(page: Page) -> int:
        params: dict[str, str | int] = {"limit": page.limit}
        if page.cursor:
            params["cursor"] = page.cursor
        elif page.offset:
            params["offset"] = page.offset
        response = client.get("/api/v1/workspaces/default/schedules", params=params)
        response.raise_for_status()
        return len(response.json()["items"])

    return _timed(requests, fetch)
