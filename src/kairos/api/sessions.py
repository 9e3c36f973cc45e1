"""Browser sessions: a random token in an HttpOnly cookie, a server-side row, and its CSRF token.

The database keeps only the SHA-256 of the session token. The CSRF token is an HMAC of the
session token, so it is bound to that one session, needs no storage of its own, and cannot be
forged without the cookie, which page scripts cannot read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from fastapi import Request, Response

from kairos.api.auth import hash_key
from kairos.ids import new_id
from kairos.settings import Settings
from kairos.store.access import BrowserSession, User
from kairos.store.base import Store

COOKIE_NAME = "kairos_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token_for(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"kairos csrf token", hashlib.sha256).hexdigest()


def csrf_ok(request: Request, session_token: str) -> bool:
    sent = request.headers.get(CSRF_HEADER.lower(), "")
    return hmac.compare_digest(sent.encode(), csrf_token_for(session_token).encode())


def start_session(store: Store, settings: Settings, user: User, now: datetime) -> str:
    """Store a new session for `user`; returns its token (for the cookie, never stored)."""
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(hours=settings.session_lifetime_hours)
    store.add_session(BrowserSession(id=new_id("sess"), user_id=user.id, created_at=now,
                                     expires_at=now + lifetime), hash_key(token))
    return token


def presented_session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE_NAME) or None


def find_session(store: Store, token: str, now: datetime) -> tuple[BrowserSession, User] | None:
    return store.find_session(hash_key(token), now)


def set_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(COOKIE_NAME, token, max_age=int(settings.session_lifetime_hours * 3600),
                        path="/", httponly=True, samesite="lax", secure=settings.secure_cookies)


def clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax",
                           secure=settings.secure_cookies)
