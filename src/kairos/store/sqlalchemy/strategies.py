"""Strategies: the extraction recipes of scrape jobs."""

from __future__ import annotations

from kairos.store.sqlalchemy.database import Database


class StrategyStoreMixin:
    db: Database
