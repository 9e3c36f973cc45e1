"""API keys: how they look (`kr_…`), how they are stored (SHA-256 only), the bootstrap key.

The bootstrap key is an ordinary admin key of workspace `default`: it can be listed and revoked
at `/api-keys` like any other.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from kairos.ids import new_id
from kairos.store.base import ApiKey, Store

KEY_PREFIX = "kr_"
ROLES = ("viewer", "operator", "admin")


def hash_key(secret: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def role_at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def create_key(store: Store, workspace_id: str, *, name: str, role: str, now: datetime,
               secret: str | None = None, expires_at: datetime | None = None) -> tuple[ApiKey, str]:
    """Store a new key and return it with its secret, which is never shown again."""
    secret = secret or new_secret()
    key = ApiKey(id=new_id("key"), workspace_id=workspace_id, name=name, role=role,
                 prefix=secret[:10], created_at=now, expires_at=expires_at, last_used_at=None,
                 revoked_at=None)
    store.add_api_key(key, hash_key(secret))
    return key, secret


def bootstrap(store: Store, now: datetime, configured_key: str | None) -> str | None:
    """First start: workspace `default` and an admin key. Returns the secret if one was made."""
    workspace = store.ensure_workspace("default", "Default", now)
    if configured_key:
        if store.find_api_key(hash_key(configured_key)) is None:
            create_key(store, workspace.id, name="bootstrap", role="admin", now=now,
                       secret=configured_key)
        return None
    if store.count_api_keys() == 0:
        _, secret = create_key(store, workspace.id, name="bootstrap", role="admin", now=now)
        return secret
    return None
