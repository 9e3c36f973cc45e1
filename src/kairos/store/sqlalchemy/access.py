"""People, memberships, sessions, API keys and the audit log."""

from __future__ import annotations

from kairos.store.sqlalchemy.database import Database


class AccessStoreMixin:
    db: Database
