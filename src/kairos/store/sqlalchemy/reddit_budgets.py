"""Reddit app connections and the request budget every worker process shares."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import sqlalchemy as sa

from kairos.domain.reddit import RedditConnection
from kairos.domain.reddit_budget import Budget, observe, take, throttled
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.reddit_tables import reddit_connections, reddit_rate_budgets
from kairos.store.sqlalchemy.upsert import upsert

_CONNECTION_FIELDS = ("client_id", "client_secret", "username", "password", "refresh_token", "user_agent")
_ATTEMPTS = 50  # guarded updates lost to other workers before giving up on this round


class RedditBudgetStoreMixin:
    db: Database

    # --- connections -----------------------------------------------------------------------------

    def get_reddit_connection(self, workspace_id: str) -> RedditConnection | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(reddit_connections).where(
                reddit_connections.c.workspace_id == workspace_id)).mappings().first()
        return None if row is None else RedditConnection(**dict(row))

    def put_reddit_connection(self, connection: RedditConnection) -> RedditConnection:
        with self.db.write() as conn:
            existing = conn.execute(sa.select(reddit_connections.c.created_at).where(
                reddit_connections.c.workspace_id == connection.workspace_id)).scalar()
            if existing is not None:
                connection = replace(connection, created_at=existing)
            values = {name: getattr(connection, name) for name in
                      ("workspace_id", "created_at", "updated_at", *_CONNECTION_FIELDS)}
            upsert(conn, reddit_connections, [values], keys=["workspace_id"],
                   update=["updated_at", *_CONNECTION_FIELDS])
        return connection

    def delete_reddit_connection(self, workspace_id: str) -> bool:
        with self.db.write() as conn:
            result = conn.execute(reddit_connections.delete().where(
                reddit_connections.c.workspace_id == workspace_id))
        return bool(result.rowcount)

    # --- the budget ------------------------------------------------------------------------------

    def _budget_row(self, key: str, now: datetime) -> tuple[Budget, int]:
        with self.db.read() as conn:
            row = conn.execute(sa.select(reddit_rate_budgets).where(
                reddit_rate_budgets.c.key == key)).mappings().first()
        if row is None:
            with self.db.write() as conn:
                upsert(conn, reddit_rate_budgets, [{"key": key, "remaining": None, "reset_at": None,
                                                    "next_at": now, "version": 0}], keys=["key"])
            return self._budget_row(key, now)
        return Budget(remaining=row["remaining"], reset_at=row["reset_at"], next_at=row["next_at"]), row["version"]

    def _write_budget(self, key: str, version: int, budget: Budget) -> bool:
        """Write `budget` if nobody changed the row since `version` was read."""
        with self.db.write() as conn:
            result = conn.execute(
                reddit_rate_budgets.update()
                .where(reddit_rate_budgets.c.key == key, reddit_rate_budgets.c.version == version)
                .values(remaining=budget.remaining, reset_at=budget.reset_at, next_at=budget.next_at,
                        version=version + 1))
        return bool(result.rowcount)

    def reddit_take_request(self, key: str, now: datetime) -> float:
        for _ in range(_ATTEMPTS):
            budget, version = self._budget_row(key, now)
            decision = take(budget, now)
            if decision.after is None:
                return decision.wait_seconds
            if self._write_budget(key, version, decision.after):
                return 0.0
        return 0.05  # a crowd of workers: step back a moment and try again

    def reddit_observe(self, key: str, *, remaining: float, reset_seconds: float, now: datetime) -> None:
        for _ in range(_ATTEMPTS):
            budget, version = self._budget_row(key, now)
            if self._write_budget(key, version, observe(budget, remaining=remaining,
                                                        reset_seconds=reset_seconds, now=now)):
                return

    def reddit_throttled(self, key: str, *, wait_seconds: float, now: datetime) -> None:
        for _ in range(_ATTEMPTS):
            budget, version = self._budget_row(key, now)
            if self._write_budget(key, version, throttled(budget, wait_seconds=wait_seconds, now=now)):
                return

    def reddit_lock(self, key: str, owner: str, now: datetime, lease_seconds: float) -> bool:
        self._budget_row(key, now)
        free = sa.or_(reddit_rate_budgets.c.lock_until.is_(None), reddit_rate_budgets.c.lock_until < now,
                      reddit_rate_budgets.c.lock_owner == owner)
        with self.db.write() as conn:
            result = conn.execute(
                reddit_rate_budgets.update().where(reddit_rate_budgets.c.key == key, free)
                .values(lock_owner=owner, lock_until=now + timedelta(seconds=lease_seconds)))
        return bool(result.rowcount)

    def reddit_unlock(self, key: str, owner: str) -> None:
        with self.db.write() as conn:
            conn.execute(reddit_rate_budgets.update()
                         .where(reddit_rate_budgets.c.key == key, reddit_rate_budgets.c.lock_owner == owner)
                         .values(lock_owner=None, lock_until=None))
