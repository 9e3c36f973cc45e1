"""Strategies: the extraction recipes of scrape jobs."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kairos.domain.strategies import Strategy
from kairos.exceptions import Conflict, StrategyNotFound
from kairos.store.pages import Page, PageResult
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.paging import paginate
from kairos.store.sqlalchemy.rows import strategy_from_row, strategy_to_row
from kairos.store.sqlalchemy.scrape_tables import strategies
from kairos.store.sqlalchemy.tables import schedules

# How many of the schedules that block a delete are named in the error; the count is always given.
_NAMED_USERS = 10


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _users(conn: Connection, workspace_id: str, strategy_id: str) -> list[str]:
    """Ids of the schedules whose payload names this strategy, oldest first."""
    reference = schedules.c.payload["strategy_id"].as_string()
    rows = conn.execute(
        sa.select(schedules.c.id)
        .where(schedules.c.workspace_id == workspace_id, reference == strategy_id)
        .order_by(schedules.c.id)
    )
    return [row[0] for row in rows]


class StrategyStoreMixin:
    db: Database

    def add_strategy(self, strategy: Strategy) -> None:
        with self.db.write() as conn:
            conn.execute(strategies.insert().values(**strategy_to_row(strategy)))

    def get_strategy(self, workspace_id: str, strategy_id: str) -> Strategy:
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(strategies).where(
                    strategies.c.id == strategy_id, strategies.c.workspace_id == workspace_id
                )
            ).mappings().first()
        if row is None:
            raise StrategyNotFound(strategy_id)
        return strategy_from_row(row)

    def list_strategies(
        self, workspace_id: str, page: Page, *, type: str | None = None, q: str | None = None
    ) -> PageResult[Strategy]:
        query = sa.select(strategies).where(strategies.c.workspace_id == workspace_id)
        if type is not None:
            query = query.where(strategies.c.type == type)
        if q:
            pattern = _like(q)
            query = query.where(sa.or_(strategies.c.name.ilike(pattern, escape="\\"),
                                       strategies.c.description.ilike(pattern, escape="\\")))
        with self.db.read() as conn:
            return paginate(conn, query, strategies.c.id, page, strategy_from_row)

    def update_strategy(
        self, workspace_id: str, strategy_id: str, change: Callable[[Strategy], Strategy]
    ) -> Strategy:
        """Apply `change` to the stored strategy, holding its row until the new one is written."""
        with self.db.write() as conn:
            row = conn.execute(
                sa.select(strategies)
                .where(strategies.c.id == strategy_id, strategies.c.workspace_id == workspace_id)
                .with_for_update()
            ).mappings().first()
            if row is None:
                raise StrategyNotFound(strategy_id)
            current = strategy_from_row(row)
            updated = change(current)
            if updated is not current:
                values = strategy_to_row(updated)
                del values["id"], values["workspace_id"], values["created_at"]
                conn.execute(strategies.update().where(strategies.c.id == strategy_id).values(**values))
        return updated

    def delete_strategy(self, workspace_id: str, strategy_id: str) -> None:
        with self.db.write() as conn:
            exists = conn.scalar(
                sa.select(strategies.c.id)
                .where(strategies.c.id == strategy_id, strategies.c.workspace_id == workspace_id)
                .with_for_update()
            )
            if exists is None:
                raise StrategyNotFound(strategy_id)
            users = _users(conn, workspace_id, strategy_id)
            if users:
                named = ", ".join(users[:_NAMED_USERS]) + (", …" if len(users) > _NAMED_USERS else "")
                noun = "schedule uses" if len(users) == 1 else "schedules use"
                raise Conflict(f"{len(users)} {noun} strategy {strategy_id!r} ({named}); "
                               "delete them or point them at another strategy first")
            conn.execute(strategies.delete().where(strategies.c.id == strategy_id))

    def schedules_using_strategy(self, workspace_id: str, strategy_id: str) -> list[str]:
        with self.db.read() as conn:
            return _users(conn, workspace_id, strategy_id)
