"""`SqlStore`: the Store contract over SQLAlchemy, for SQLite and PostgreSQL."""

from __future__ import annotations

import random

import sqlalchemy as sa

from kairos.store.sqlalchemy.access import AccessStoreMixin
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.deliveries import DeliveryStoreMixin
from kairos.store.sqlalchemy.finishing import FinishStoreMixin
from kairos.store.sqlalchemy.firing import FiringStoreMixin
from kairos.store.sqlalchemy.gauges import GaugeStoreMixin
from kairos.store.sqlalchemy.jobs import JobStoreMixin
from kairos.store.sqlalchemy.results import ResultStoreMixin
from kairos.store.sqlalchemy.schedules import ScheduleStoreMixin
from kairos.store.sqlalchemy.strategies import StrategyStoreMixin
from kairos.store.sqlalchemy.workspaces import WorkspaceStoreMixin


class SqlStore(
    WorkspaceStoreMixin, AccessStoreMixin, ScheduleStoreMixin, FiringStoreMixin, JobStoreMixin,
    FinishStoreMixin, StrategyStoreMixin, ResultStoreMixin, DeliveryStoreMixin, GaugeStoreMixin,
):
    """One store object per process; it is thread-safe (each call takes its own connection)."""

    def __init__(self, url: str, *, pool_size: int = 10, rng: random.Random | None = None) -> None:
        self.db = Database(url, pool_size=pool_size)
        self.rng = rng or random.Random()

    def ping(self) -> None:
        with self.db.read() as conn:
            conn.execute(sa.text("SELECT 1"))

    def close(self) -> None:
        self.db.dispose()
