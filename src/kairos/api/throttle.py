"""Throttling of failed sign-ins and bad API keys, per client address and per account.

Failures are rows in the database, so every API process sharing it counts the same ones. The
window slides: a scope is locked while it has `limit` failures younger than `window`, and
`Retry-After` says when the oldest of those leaves the window. A locked scope is refused even
with correct credentials, so guessing on while locked teaches nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request

from kairos.exceptions import TooManyAttempts
from kairos.settings import Settings
from kairos.store.base import Store

# Failures older than this are deleted whenever a new one is written.
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Rule:
    limit: int
    window: timedelta


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def ip_scope(request: Request) -> str:
    return f"ip:{client_ip(request)}"


def account_scope(email: str) -> str:
    return f"account:{email.strip().lower()}"


class Throttle:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.ip_rule = Rule(settings.auth_ip_failure_limit,
                            timedelta(seconds=settings.auth_ip_window_seconds))
        self.account_rule = Rule(settings.auth_account_failure_limit,
                                 timedelta(seconds=settings.auth_account_window_seconds))

    def _rule(self, scope: str) -> Rule:
        return self.account_rule if scope.startswith("account:") else self.ip_rule

    def check(self, scopes: list[str], now: datetime) -> None:
        """Raise `TooManyAttempts` if any scope is locked."""
        waits = []
        for scope in scopes:
            rule = self._rule(scope)
            recent = self.store.recent_auth_failures(scope, now - rule.window, rule.limit)
            if len(recent) >= rule.limit:
                waits.append((recent[-1] + rule.window - now).total_seconds())
        if waits:
            raise TooManyAttempts(math.ceil(max(waits)))

    def fail(self, scopes: list[str], now: datetime) -> None:
        for scope in scopes:
            self.store.add_auth_failure(scope, now, now - FORGET_AFTER)

    def clear(self, scope: str) -> None:
        self.store.clear_auth_failures(scope)
