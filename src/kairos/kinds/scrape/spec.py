"""The `scrape` kind's spec and its runner: one fetcher per process, shared by every scrape."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from kairos.domain.items import canonical_json
from kairos.domain.jobs import Job
from kairos.domain.schedules import Kind
from kairos.exceptions import NotFound, UnknownStrategy
from kairos.kinds.context import TaskContext
from kairos.kinds.scrape.fetch import Fetcher, FetchSettings
from kairos.kinds.scrape.fields import FIELDS, check_scrape, scrape_name
from kairos.kinds.scrape.run import StrategyLookup, run_scrape
from kairos.kinds.spec import KindServices, KindSpec, Produced
from kairos.store.base import Store


class ScrapeRunner:
    def __init__(self, strategies: StrategyLookup, fetcher: Fetcher,
                 http_client: Callable[[], httpx.Client]) -> None:
        self.strategies = strategies
        # One fetcher for every job, so that its per-host limits hold across concurrent scrapes.
        self.fetcher = fetcher
        self.http_client = http_client

    @classmethod
    def build(cls, services: KindServices) -> ScrapeRunner:
        return cls(services.store.get_strategy, Fetcher(FetchSettings.from_settings(services.settings)),
                   services.http_client)

    def run(self, job: Job, ctx: TaskContext) -> Produced:
        deadline = time.monotonic() + job.timeout_seconds if job.timeout_seconds else None
        outcome = run_scrape(job.payload, ctx, strategies=self.strategies, fetcher=self.fetcher,
                             http_client=self.http_client, deadline=deadline)
        # The items are stored on their own; the result keeps the per-URL report.
        return Produced(result=outcome.result, items=json.loads(canonical_json(outcome.items)))


def strategy_exists(store: Store, workspace_id: str, values: Mapping[str, Any]) -> None:
    """A scrape's strategy must exist in the workspace when the scrape is made or changed."""
    strategy_id = values.get("strategy_id")
    if strategy_id is None:
        return
    try:
        store.get_strategy(workspace_id, str(strategy_id))
    except NotFound:
        raise UnknownStrategy(str(strategy_id)) from None


SCRAPE = KindSpec(
    kind=Kind.SCRAPE,
    description="Fetch pages and extract items from them with a strategy of the workspace.",
    fields=FIELDS,
    check=check_scrape,
    default_name=scrape_name,
    build_runner=ScrapeRunner.build,
    check_stored=strategy_exists,
    # `parameters` alone says nothing: it is the strategy's business, and a generic word.
    weak_fields=frozenset({"parameters"}),
)
