"""FastAPI dependencies: the wired parts of the app and the caller's access, as Annotated aliases.

`require(role)` is the one gate of every workspace route. It accepts an API key (`X-API-Key` or
`Authorization: Bearer`) or a browser session cookie, whose unsafe requests must also carry the
session's CSRF token. Its order is fixed: who you are (401, or 429 while throttled), then whether
the workspace is yours (404, exactly as if it did not exist), then whether your role suffices (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request

from kairos.api.auth import hash_key, role_at_least
from kairos.api.sessions import SAFE_METHODS, csrf_ok, find_session, presented_session_token
from kairos.api.throttle import Throttle, ip_scope
from kairos.exceptions import Forbidden, InvalidInput, Unauthorized, WorkspaceNotFound
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.access import ApiKey, User
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
class Caller:
    """Who is calling, before any workspace is looked at: a person (by session) or an API key."""

    type: Literal["user", "key"]
    id: str
    label: str  # the email, or the key's name
    key: ApiKey | None = None
    user: User | None = None


@dataclass(frozen=True)
class Access:
    """Who is calling, in which workspace, with which role."""

    workspace: Workspace
    role: str
    caller: Caller


def _presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _key_caller(request: Request, store: Store, settings: Settings, secret: str) -> Caller:
    now = utcnow()
    key = store.find_api_key(hash_key(secret))
    if key is None or key.revoked_at is not None or (key.expires_at and key.expires_at <= now):
        # Only bad keys meet the throttle. A valid key carries 256 random bits: no lock makes
        # guessing one any harder, and a program sharing an address with a noisy neighbour keeps
        # working. Sign-ins are different: a locked address waits even with the right password.
        throttle = Throttle(store, settings)
        throttle.check([ip_scope(request)], now)
        throttle.fail([ip_scope(request)], now)
        raise Unauthorized("invalid, revoked or expired API key")
    if key.last_used_at is None or now - key.last_used_at > KEY_TOUCH_INTERVAL:
        # Only a stale timestamp costs a write; reads stay reads.
        store.touch_api_key(key.id, now)
    return Caller(type="key", id=key.id, label=key.name, key=key)


def session_caller(request: Request, store: Store) -> Caller:
    """The signed-in person of the session cookie; unsafe methods need its CSRF token."""
    token = presented_session_token(request)
    found = find_session(store, token, utcnow()) if token else None
    if token is None or found is None:
        raise Unauthorized("not signed in, or the session has expired: sign in again")
    if request.method not in SAFE_METHODS and not csrf_ok(request, token):
        raise Forbidden("missing or wrong X-CSRF-Token header (send the csrf_token of your session)")
    _, user = found
    return Caller(type="user", id=user.id, label=user.email, user=user)


def identify(request: Request, store: Store, settings: Settings) -> Caller:
    """The caller by API key (preferred when both are sent) or by session cookie; else 401."""
    secret = _presented_key(request)
    if secret:
        return _key_caller(request, store, settings, secret)
    if presented_session_token(request):
        return session_caller(request, store)
    raise Unauthorized("missing API key: send `X-API-Key: kr_…` or `Authorization: Bearer kr_…` "
                       "(or sign in for a browser session)")


def _current_caller(request: Request, store: StoreDep, settings: SettingsDep) -> Caller:
    return identify(request, store, settings)


CallerDep = Annotated[Caller, Depends(_current_caller)]


def admit(request: Request, store: Store, caller: Caller, workspace: str, role: str) -> Access:
    """`caller` admitted into `workspace` (id or slug) with at least `role`; else 404 or 403."""
    try:
        target = store.get_workspace(workspace)
    except WorkspaceNotFound:
        raise WorkspaceNotFound(workspace) from None
    if caller.key is not None:
        held = caller.key.role if caller.key.workspace_id == target.id else None
    else:
        held = store.member_role(target.id, caller.id)
    if held is None:
        # Another workspace's resources look exactly like missing ones.
        raise WorkspaceNotFound(workspace)
    if not role_at_least(held, role):
        raise Forbidden(f"this needs the {role} role; you have {held}")
    access = Access(workspace=target, role=held, caller=caller)
    request.state.access = access  # read by the audit log once the response is known
    return access


def require(role: str, param: str = "workspace") -> Callable[..., Access]:
    """The dependency admitting callers with at least `role` in the workspace of path `param`."""

    def dependency(request: Request, store: StoreDep, settings: SettingsDep, workspace: str) -> Access:
        return admit(request, store, identify(request, store, settings), workspace, role)

    # The path parameter's name varies by API (`{workspace}`, seed 002's `{id}`, seed 003's
    # `{slug}`), so its annotation is made here rather than written (and stringified) above.
    dependency.__annotations__["workspace"] = Annotated[
        str, Path(alias=param, description="Workspace id (`ws_…`) or slug")]
    # The route-table test reads this to know each route's minimum role.
    dependency.required_role = role  # type: ignore[attr-defined]
    return dependency


WORKSPACE_HEADER = "X-Kairos-Workspace"


def require_own(role: str) -> Callable[..., Access]:
    """Like `require`, for APIs whose paths name no workspace (seed 004's `/api/schedules`).

    An API key belongs to one workspace: that one. A signed-in person names one with the
    `X-Kairos-Workspace` header, which may be left out when they belong to exactly one.
    """

    def dependency(request: Request, store: StoreDep, settings: SettingsDep) -> Access:
        caller = identify(request, store, settings)
        if caller.key is not None:
            workspace = caller.key.workspace_id
        elif chosen := request.headers.get(WORKSPACE_HEADER, "").strip():
            workspace = chosen
        else:
            mine = store.workspaces_of_user(caller.id)
            if len(mine) != 1:
                raise InvalidInput.field(("header", WORKSPACE_HEADER),
                                         f"you belong to {len(mine)} workspaces: name one in this "
                                         "header, or use an API key")
            workspace = mine[0][0].id
        return admit(request, store, caller, workspace, role)

    dependency.required_role = role  # type: ignore[attr-defined]
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
