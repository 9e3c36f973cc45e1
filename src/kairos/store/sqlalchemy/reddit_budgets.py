"""Reddit app connections and the request budget every worker process shares."""

from __future__ import annotations

from collections.abc import Callable
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

    def _change_budget(self, key: str, now: datetime,
                       change: Callable[[Budget], tuple[Budget | None, float]]) -> float:
        """Read the row, let `change` decide, and write its new budget guarded by `version`, in
        one transaction; retried when another worker changed the row in between."""
        for _ in range(_ATTEMPTS):
            with self.db.write() as conn:
                row = conn.execute(sa.select(reddit_rate_budgets).where(
                    reddit_rate_budgets.c.key == key)).mappings().first()
                if row is None:
                    upsert(conn, reddit_rate_budgets, [{"key": key, "remaining": None, "reset_at": None,
                                                        "next_at": now, "version": 0}], keys=["key"])
                    continue
                budget = Budget(remaining=row["remaining"], reset_at=row["reset_at"], next_at=row["next_at"])
                after, answer = change(budget)
                if after is None or after == budget:
                    return answer
                result = conn.execute(
                    reddit_rate_budgets.update()
                    .where(reddit_rate_budgets.c.key == key, reddit_rate_budgets.c.version == row["version"])
                    .values(remaining=after.remaining, reset_at=after.reset_at, next_at=after.next_at,
                            version=row["version"] + 1))
                if result.rowcount:
                    return answer
        return 0.05  # a crowd of workers: step back a moment and try again

    def reddit_take_request(self, key: str, now: datetime) -> float:
        def spend(budget: Budget) -> tuple[Budget | None, float]:
            decision = take(budget, now)
            return decision.after, decision.wait_seconds

        return self._change_budget(key, now, spend)

    def reddit_observe(self, key: str, *, remaining: float, reset_seconds: float, now: datetime) -> None:
        self._change_budget(key, now, lambda budget: (
            observe(budget, remaining=remaining, reset_seconds=reset_seconds, now=now), 0.0))

    def reddit_throttled(self, key: str, *, wait_seconds: float, now: datetime) -> None:
        self._change_budget(key, now, lambda budget: (throttled(budget, wait_seconds=wait_seconds, now=now), 0.0))

    def reddit_lock(self, key: str, owner: str, now: datetime, lease_seconds: float) -> bool:
        self._change_budget(key, now, lambda budget: (None, 0.0))  # the row exists from here on
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
