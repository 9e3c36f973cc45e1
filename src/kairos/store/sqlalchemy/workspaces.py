"""Workspaces, API keys and stored idempotent responses."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from kairos.exceptions import WorkspaceNotFound
from kairos.ids import new_id
from kairos.store.base import CLAIMED, KEY_TOUCH_INTERVAL, ApiKey, StoredResponse, Workspace
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.rows import api_key_from_row, workspace_from_row
from kairos.store.sqlalchemy.tables import api_keys, idempotency_keys, workspaces

IDEMPOTENCY_TTL = timedelta(hours=24)
# A claim whose request never finished (its process died) is given up after this long.
ABANDONED_CLAIM = timedelta(minutes=2)


class WorkspaceStoreMixin:
    db: Database

    def ensure_workspace(self, slug: str, name: str, now: datetime) -> Workspace:
        try:
            return self.get_workspace(slug)
        except WorkspaceNotFound:
            pass
        try:
            with self.db.write() as conn:
                conn.execute(workspaces.insert().values(
                    id=new_id("ws"), slug=slug, name=name, created_at=now))
        except IntegrityError:
            pass  # another process created it first
        return self.get_workspace(slug)

    def get_workspace(self, ref: str) -> Workspace:
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(workspaces).where(sa.or_(workspaces.c.id == ref, workspaces.c.slug == ref))
            ).mappings().first()
        if row is None:
            raise WorkspaceNotFound(ref)
        return workspace_from_row(row)

    def add_api_key(self, key: ApiKey, key_hash: str) -> None:
        with self.db.write() as conn:
            conn.execute(api_keys.insert().values(
                id=key.id, workspace_id=key.workspace_id, name=key.name, role=key.role,
                prefix=key.prefix, key_hash=key_hash, created_at=key.created_at,
                expires_at=key.expires_at, last_used_at=None, revoked_at=None,
            ))

    def find_api_key(self, key_hash: str) -> ApiKey | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(api_keys).where(api_keys.c.key_hash == key_hash)).mappings().first()
        return api_key_from_row(row) if row else None

    def count_api_keys(self) -> int:
        with self.db.read() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(api_keys)) or 0)

    def touch_api_key(self, key_id: str, now: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, sa.or_(api_keys.c.last_used_at.is_(None),
                                                       api_keys.c.last_used_at < now - KEY_TOUCH_INTERVAL))
                .values(last_used_at=now)
            )

    def claim_request(self, scope: str, key: str, request_hash: str, now: datetime) -> StoredResponse | None:
        # The primary key (scope, key) is the guard: of two concurrent claims one inserts, the
        # other finds its row. Expired answers and abandoned claims are cleared first.
        insert = postgresql.insert if self.db.is_postgres else sqlite.insert
        with self.db.write() as conn:
            conn.execute(idempotency_keys.delete().where(
                idempotency_keys.c.created_at <= now - IDEMPOTENCY_TTL))
            conn.execute(idempotency_keys.delete().where(
                idempotency_keys.c.workspace_id == scope, idempotency_keys.c.key == key,
                idempotency_keys.c.status_code == CLAIMED,
                idempotency_keys.c.created_at <= now - ABANDONED_CLAIM))
            claimed = conn.execute(
                insert(idempotency_keys).values(
                    workspace_id=scope, key=key, request_hash=request_hash, status_code=CLAIMED,
                    response={}, created_at=now)
                .on_conflict_do_nothing(index_elements=["workspace_id", "key"])
                .returning(idempotency_keys.c.key)
            ).first()
            if claimed is not None:
                return None
            row = conn.execute(sa.select(idempotency_keys).where(
                idempotency_keys.c.workspace_id == scope, idempotency_keys.c.key == key,
            )).mappings().one()
        return StoredResponse(request_hash=row["request_hash"], status_code=row["status_code"],
                              body=row["response"])

    def store_response(self, scope: str, key: str, response: StoredResponse, now: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(idempotency_keys.update().where(
                idempotency_keys.c.workspace_id == scope, idempotency_keys.c.key == key,
            ).values(status_code=response.status_code, response=response.body))

    def release_request(self, scope: str, key: str) -> None:
        with self.db.write() as conn:
            conn.execute(idempotency_keys.delete().where(
                idempotency_keys.c.workspace_id == scope, idempotency_keys.c.key == key,
                idempotency_keys.c.status_code == CLAIMED))
