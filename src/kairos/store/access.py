"""The part of the Store contract for workspaces, people, memberships, browser sessions, API keys and the audit log.

Who writes what: the API writes all of it. Emails are stored lower-cased, so they are unique
whatever their case. Secrets never reach the store in clear: API keys and session tokens arrive
as SHA-256 hashes, passwords as argon2id hashes. A workspace always keeps at least one admin
member once it has one: the last admin can be neither removed nor demoted (`Conflict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kairos.store.pages import Page, PageResult


@dataclass(frozen=True, kw_only=True)
class Workspace:
    id: str
    slug: str
    name: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class ApiKey:
    id: str
    workspace_id: str
    name: str
    role: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class User:
    id: str
    email: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class Member:
    """A user's membership of one workspace."""

    workspace_id: str
    user_id: str
    email: str
    role: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class BrowserSession:
    id: str
    user_id: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One change made in a workspace: who, what, to which resource, when, from where."""

    id: str
    workspace_id: str
    at: datetime
    actor_type: str  # "user" or "key"
    actor_id: str
    actor_label: str
    action: str
    resource_type: str
    resource_id: str | None
    ip: str | None
    status: int


class AccessStore(Protocol):
    """Workspaces, people, memberships, browser sessions, API keys and the audit log."""

    # workspaces
    def create_workspace(self, workspace: Workspace, admin_user_id: str | None) -> None:
        """Add a workspace (and its first admin); `Conflict` when the slug is taken."""
        ...

    def workspaces_of_user(self, user_id: str) -> list[tuple[Workspace, str]]:
        """The workspaces a user is a member of, with the role there, oldest first."""
        ...

    # people
    def add_user(self, user: User, password_hash: str) -> None:
        """`Conflict` when the email is taken."""
        ...

    def find_user(self, email: str) -> tuple[User, str] | None:
        """The user with this email (any case) and their password hash."""
        ...

    def list_users(self) -> list[User]: ...
    def set_password_hash(self, user_id: str, password_hash: str) -> None: ...

    # memberships
    def add_member(self, workspace_id: str, user_id: str, role: str, now: datetime) -> Member:
        """`Conflict` when the user is already a member."""
        ...

    def member_role(self, workspace_id: str, user_id: str) -> str | None: ...
    def list_members(self, workspace_id: str) -> list[Member]: ...
    def change_member_role(self, workspace_id: str, user_id: str, role: str) -> Member: ...
    def remove_member(self, workspace_id: str, user_id: str) -> None: ...

    # browser sessions
    def add_session(self, session: BrowserSession, token_hash: str) -> None: ...
    def find_session(self, token_hash: str, now: datetime) -> tuple[BrowserSession, User] | None:
        """The unexpired session with this token hash, and its user."""
        ...

    def delete_session(self, token_hash: str) -> None: ...
    def delete_sessions_of_user(self, user_id: str) -> int: ...

    # API keys (creating, finding and touching them are in the main contract)
    def list_api_keys(self, workspace_id: str, page: Page) -> PageResult[ApiKey]: ...
    def get_api_key(self, workspace_id: str, key_id: str) -> ApiKey: ...
    def revoke_api_key(self, workspace_id: str, key_id: str, now: datetime) -> ApiKey:
        """Revoke (idempotent: a revoked key keeps its first revocation time)."""
        ...

    # audit log
    def add_audit_entry(self, entry: AuditEntry) -> None: ...
    def list_audit_entries(self, workspace_id: str, page: Page) -> PageResult[AuditEntry]: ...

    # sign-in throttling, shared by every API process
    def add_auth_failure(self, scope: str, now: datetime, forget_before: datetime) -> None:
        """Count one failure for `scope` (an address or an account); drop failures older than `forget_before`."""
        ...

    def recent_auth_failures(self, scope: str, since: datetime, limit: int) -> list[datetime]:
        """Times of the newest failures of `scope` after `since`, newest first, at most `limit`."""
        ...

    def clear_auth_failures(self, scope: str) -> None: ...
