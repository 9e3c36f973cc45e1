"""FastAPI dependencies: the wired parts of the app and the caller's access, as Annotated aliases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from kairos.api.auth import hash_key, role_at_least
from kairos.engine.runtime import Runtime
from kairos.exceptions import Forbidden, Unauthorized, WorkspaceNotFound
from kairos.settings import Settings
from kairos.store.base import KEY_TOUCH_INTERVAL, Page, Store, Workspace
from kairos.timeutil import utcnow


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _store(request: Request) -> Store:
    return _runtime(request).store


def _settings(request: Request) -> Settings:
    return _runtime(request).settings


# Deep offsets make the database walk every skipped row; cursors stay fast at any depth.
MAX_OFFSET = 10_000
RuntimeDep = Annotated[Runtime, Depends(_runtime)]
StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]


@dataclass(frozen=True)
class Access:
    """Who is calling, in which workspace, with which role."""

    workspace: Workspace
    role: str
    key_id: str


def _presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def require(role: str):  # type: ignore[no-untyped-def]
    def dependency(
        request: Request,
        store: StoreDep,
        workspace: Annotated[str, Path(description="Workspace id (`ws_…`) or slug")],
    ) -> Access:
        secret = _presented_key(request)
        if not secret:
            raise Unauthorized("missing API key: send `X-API-Key: kr_…` or `Authorization: Bearer kr_…`")
        key = store.find_api_key(hash_key(secret))
        now = utcnow()
        if key is None or key.revoked_at is not None or (key.expires_at and key.expires_at <= now):
            raise Unauthorized("invalid, revoked or expired API key")
        try:
            target = store.get_workspace(workspace)
        except WorkspaceNotFound:
            raise WorkspaceNotFound(workspace) from None
        if target.id != key.workspace_id:
            # Another workspace's resources look exactly like missing ones.
            raise WorkspaceNotFound(workspace)
        if not role_at_least(key.role, role):
            raise Forbidden(f"this needs the {role} role; your key has {key.role}")
        if key.last_used_at is None or now - key.last_used_at > KEY_TOUCH_INTERVAL:
            # Only a stale timestamp costs a write; reads stay reads.
            store.touch_api_key(key.id, now)
        return Access(workspace=target, role=key.role, key_id=key.id)

    return dependency


Viewer = Annotated[Access, Depends(require("viewer"))]
Operator = Annotated[Access, Depends(require("operator"))]
Admin = Annotated[Access, Depends(require("admin"))]


def _page(
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page (1-200)")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET,
                                 description=f"Items to skip (at most {MAX_OFFSET}; page further with `cursor`)")] = 0,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> Page:
    return Page(limit=limit, offset=offset, cursor=cursor)


PageDep = Annotated[Page, Depends(_page)]
