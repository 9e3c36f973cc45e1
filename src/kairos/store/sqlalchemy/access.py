"""People, memberships, sessions, API keys and the audit log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from kairos.exceptions import ApiKeyNotFound, Conflict, MemberNotFound
from kairos.store.access import ApiKey, AuditEntry, BrowserSession, Member, User, Workspace
from kairos.store.pages import Page, PageResult
from kairos.store.sqlalchemy.access_tables import (
    audit_log,
    auth_failures,
    memberships,
    sessions,
    users,
)
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.paging import paginate
from kairos.store.sqlalchemy.rows import Row, api_key_from_row, workspace_from_row
from kairos.store.sqlalchemy.tables import api_keys, workspaces


def _user(row: Row) -> User:
    return User(id=row["id"], email=row["email"], created_at=row["created_at"])


def _member(row: Row) -> Member:
    return Member(workspace_id=row["workspace_id"], user_id=row["user_id"], email=row["email"],
                  role=row["role"], created_at=row["created_at"])


def _audit(row: Row) -> AuditEntry:
    return AuditEntry(**{column.name: row[column.name] for column in audit_log.columns})


_MEMBERS = sa.select(memberships, users.c.email).join(users, users.c.id == memberships.c.user_id)


class AccessStoreMixin:
    db: Database

    # --- workspaces ---------------------------------------------------------------------------

    def create_workspace(self, workspace: Workspace, admin_user_id: str | None) -> None:
        try:
            with self.db.write() as conn:
                conn.execute(workspaces.insert().values(
                    id=workspace.id, slug=workspace.slug, name=workspace.name,
                    created_at=workspace.created_at))
                if admin_user_id is not None:
                    conn.execute(memberships.insert().values(
                        workspace_id=workspace.id, user_id=admin_user_id, role="admin",
                        created_at=workspace.created_at))
        except IntegrityError:
            raise Conflict(f"the slug {workspace.slug!r} is taken") from None

    def workspaces_of_user(self, user_id: str) -> list[tuple[Workspace, str]]:
        query = (sa.select(workspaces, memberships.c.role)
                 .join(memberships, memberships.c.workspace_id == workspaces.c.id)
                 .where(memberships.c.user_id == user_id).order_by(workspaces.c.id))
        with self.db.read() as conn:
            rows = conn.execute(query).mappings().all()
        return [(workspace_from_row(row), row["role"]) for row in rows]

    # --- people -------------------------------------------------------------------------------

    def add_user(self, user: User, password_hash: str) -> None:
        try:
            with self.db.write() as conn:
                conn.execute(users.insert().values(id=user.id, email=user.email.lower(),
                                                   password_hash=password_hash,
                                                   created_at=user.created_at))
        except IntegrityError:
            raise Conflict(f"an account with the email {user.email!r} exists") from None

    def find_user(self, email: str) -> tuple[User, str] | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(users).where(users.c.email == email.strip().lower())
                               ).mappings().first()
        return (_user(row), row["password_hash"]) if row else None

    def list_users(self) -> list[User]:
        with self.db.read() as conn:
            return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.id)).mappings()]

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        with self.db.write() as conn:
            conn.execute(users.update().where(users.c.id == user_id).values(password_hash=password_hash))

    # --- memberships --------------------------------------------------------------------------

    def add_member(self, workspace_id: str, user_id: str, role: str, now: datetime) -> Member:
        try:
            with self.db.write() as conn:
                conn.execute(memberships.insert().values(
                    workspace_id=workspace_id, user_id=user_id, role=role, created_at=now))
        except IntegrityError:
            raise Conflict("this person is already a member of the workspace") from None
        return self._member(workspace_id, user_id)

    def member_role(self, workspace_id: str, user_id: str) -> str | None:
        with self.db.read() as conn:
            role = conn.scalar(sa.select(memberships.c.role).where(
                memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id))
        return str(role) if role is not None else None

    def list_members(self, workspace_id: str) -> list[Member]:
        with self.db.read() as conn:
            rows = conn.execute(_MEMBERS.where(memberships.c.workspace_id == workspace_id)
                                .order_by(memberships.c.created_at, users.c.email)).mappings()
            return [_member(row) for row in rows]

    def _member(self, workspace_id: str, user_id: str) -> Member:
        with self.db.read() as conn:
            row = conn.execute(_MEMBERS.where(memberships.c.workspace_id == workspace_id,
                                              memberships.c.user_id == user_id)).mappings().first()
        if row is None:
            raise MemberNotFound(user_id)
        return _member(row)

    def _lock_admins(self, conn: Connection, workspace_id: str, user_id: str) -> str:
        """The member's current role, with the workspace's admin rows locked against a race."""
        admins = sa.select(memberships.c.user_id).where(
            memberships.c.workspace_id == workspace_id, memberships.c.role == "admin")
        if self.db.is_postgres:
            # Two admins demoting each other at once must not leave the workspace without one;
            # on SQLite the write transaction (BEGIN IMMEDIATE) already serialises them.
            admins = admins.with_for_update()
        admin_ids = set(conn.scalars(admins))
        role = conn.scalar(sa.select(memberships.c.role).where(
            memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id))
        if role is None:
            raise MemberNotFound(user_id)
        if role == "admin" and admin_ids == {user_id}:
            raise Conflict("this is the workspace's last admin; make someone else admin first")
        return str(role)

    def change_member_role(self, workspace_id: str, user_id: str, role: str) -> Member:
        with self.db.write() as conn:
            current = self._current_role(conn, workspace_id, user_id)
            if current != role:
                if current == "admin":
                    self._lock_admins(conn, workspace_id, user_id)
                conn.execute(memberships.update().where(
                    memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id
                ).values(role=role))
        return self._member(workspace_id, user_id)

    def remove_member(self, workspace_id: str, user_id: str) -> None:
        with self.db.write() as conn:
            self._lock_admins(conn, workspace_id, user_id)
            conn.execute(memberships.delete().where(
                memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id))

    @staticmethod
    def _current_role(conn: Connection, workspace_id: str, user_id: str) -> str:
        role = conn.scalar(sa.select(memberships.c.role).where(
            memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id))
        if role is None:
            raise MemberNotFound(user_id)
        return str(role)

    # --- browser sessions ---------------------------------------------------------------------

    def add_session(self, session: BrowserSession, token_hash: str) -> None:
        with self.db.write() as conn:
            # Expired sessions are dropped as new ones start, so the table stays small.
            conn.execute(sessions.delete().where(sessions.c.expires_at <= session.created_at))
            conn.execute(sessions.insert().values(
                id=session.id, token_hash=token_hash, user_id=session.user_id,
                created_at=session.created_at, expires_at=session.expires_at))

    def find_session(self, token_hash: str, now: datetime) -> tuple[BrowserSession, User] | None:
        query = (sa.select(sessions, users.c.email, users.c.created_at.label("user_created_at"))
                 .join(users, users.c.id == sessions.c.user_id)
                 .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now))
        with self.db.read() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        session = BrowserSession(id=row["id"], user_id=row["user_id"], created_at=row["created_at"],
                                 expires_at=row["expires_at"])
        return session, User(id=row["user_id"], email=row["email"], created_at=row["user_created_at"])

    def delete_session(self, token_hash: str) -> None:
        with self.db.write() as conn:
            conn.execute(sessions.delete().where(sessions.c.token_hash == token_hash))

    def delete_sessions_of_user(self, user_id: str) -> int:
        with self.db.write() as conn:
            return int(conn.execute(sessions.delete().where(sessions.c.user_id == user_id)).rowcount)

    # --- API keys -----------------------------------------------------------------------------

    def list_api_keys(self, workspace_id: str, page: Page) -> PageResult[ApiKey]:
        query = sa.select(api_keys).where(api_keys.c.workspace_id == workspace_id)
        with self.db.read() as conn:
            return paginate(conn, query, api_keys.c.id, page, api_key_from_row)

    def get_api_key(self, workspace_id: str, key_id: str) -> ApiKey:
        with self.db.read() as conn:
            row = conn.execute(sa.select(api_keys).where(
                api_keys.c.workspace_id == workspace_id, api_keys.c.id == key_id)).mappings().first()
        if row is None:
            raise ApiKeyNotFound(key_id)
        return api_key_from_row(row)

    def revoke_api_key(self, workspace_id: str, key_id: str, now: datetime) -> ApiKey:
        with self.db.write() as conn:
            conn.execute(api_keys.update().where(
                api_keys.c.workspace_id == workspace_id, api_keys.c.id == key_id,
                api_keys.c.revoked_at.is_(None)).values(revoked_at=now))
        return self.get_api_key(workspace_id, key_id)

    # --- audit log ----------------------------------------------------------------------------

    def add_audit_entry(self, entry: AuditEntry) -> None:
        with self.db.write() as conn:
            conn.execute(audit_log.insert().values(
                {column.name: getattr(entry, column.name) for column in audit_log.columns}))

    def list_audit_entries(self, workspace_id: str, page: Page) -> PageResult[AuditEntry]:
        query = sa.select(audit_log).where(audit_log.c.workspace_id == workspace_id)
        with self.db.read() as conn:
            return paginate(conn, query, audit_log.c.id, page, _audit)

    # --- sign-in throttling -------------------------------------------------------------------

    def add_auth_failure(self, scope: str, now: datetime, forget_before: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(auth_failures.delete().where(auth_failures.c.at < forget_before))
            conn.execute(auth_failures.insert().values(scope=scope, at=now))

    def recent_auth_failures(self, scope: str, since: datetime, limit: int) -> list[datetime]:
        with self.db.read() as conn:
            return list(conn.scalars(
                sa.select(auth_failures.c.at)
                .where(auth_failures.c.scope == scope, auth_failures.c.at > since)
                .order_by(auth_failures.c.at.desc()).limit(limit)))

    def clear_auth_failures(self, scope: str) -> None:
        with self.db.write() as conn:
            conn.execute(auth_failures.delete().where(auth_failures.c.scope == scope))
