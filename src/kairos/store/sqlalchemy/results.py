"""Items stored per job, changes between runs, and what a user has seen."""

from __future__ import annotations

from kairos.store.sqlalchemy.database import Database


class ResultStoreMixin:
    db: Database
