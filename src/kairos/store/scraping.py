"""The part of the Store contract for strategies, the items each job extracted, and which changes a user has seen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kairos.domain.strategies import Strategy
from kairos.store.pages import Page, PageResult


@dataclass(frozen=True, kw_only=True)
class ChangedJob:
    """A completed job whose items differ from its schedule's previous completed job."""

    job_id: str
    completed_at: datetime
    content_hash: str | None
    item_count: int | None
    items: list[Any]
    added: list[Any]  # items not in the previous run
    removed: list[Any]  # the previous run's items this run no longer has
    seen: bool  # marked seen by the call that returned it (the history: marked seen at any time)


class ScrapeStore(Protocol):
    """Strategies, the items each job extracted, and which changes a user has seen."""

    # --- strategies ------------------------------------------------------------------------------
    # The API writes strategies; scrape jobs read them when they run. A strategy that schedules
    # name by `strategy_id` (in their payload) cannot be deleted: `delete_strategy` raises
    # `Conflict` naming them, checked in the same transaction as the delete.
    def add_strategy(self, strategy: Strategy) -> None: ...
    def get_strategy(self, workspace_id: str, strategy_id: str) -> Strategy: ...
    def list_strategies(
        self, workspace_id: str, page: Page, *, type: str | None = None, q: str | None = None
    ) -> PageResult[Strategy]: ...
    def update_strategy(
        self, workspace_id: str, strategy_id: str, change: Callable[[Strategy], Strategy]
    ) -> Strategy: ...
    def delete_strategy(self, workspace_id: str, strategy_id: str) -> None: ...
    def schedules_using_strategy(self, workspace_id: str, strategy_id: str) -> list[str]: ...

    # --- results and changes ---------------------------------------------------------------------
    # Items are written by `finish_job` with the job's outcome; these only read them, except
    # `mark_changes_seen`, which takes each changed job for exactly one caller.
    def job_items(self, job_id: str, limit: int | None = None) -> list[Any]: ...
    def iter_job_items(self, job_id: str, chunk_size: int = 500) -> Iterator[Any]: ...
    def list_changes(self, workspace_id: str, schedule_id: str, limit: int) -> list[ChangedJob]: ...
    def change_history(self, workspace_id: str, schedule_id: str, limit: int) -> list[ChangedJob]:
        """The newest `limit` changed runs, newest first, seen or not (`seen` says which); marks nothing."""
        ...
    def mark_changes_seen(
        self, workspace_id: str, schedule_id: str, limit: int, now: datetime
    ) -> list[ChangedJob]: ...
