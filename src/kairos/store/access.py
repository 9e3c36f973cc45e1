"""The part of the Store contract for workspaces, people, memberships, browser sessions, API keys and the audit log."""

from __future__ import annotations

from typing import Protocol


class AccessStore(Protocol):
    """Workspaces, people, memberships, browser sessions, API keys and the audit log."""
