"""`/api/v1/auth`: browser sign-in and sign-out, and the current session."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kairos.api.auth import hash_key
from kairos.api.deps import SettingsDep, StoreDep, session_caller
from kairos.api.json_body import StrictJSONRoute
from kairos.api.passwords import hash_password, needs_rehash, verify_password
from kairos.api.schemas.access import LoginRequest, SessionPublic, UserPublic, WorkspaceRole
from kairos.api.schemas.common import Problem
from kairos.api.sessions import (
    clear_cookie,
    csrf_token_for,
    presented_session_token,
    set_cookie,
    start_session,
)
from kairos.api.throttle import Throttle, account_scope, ip_scope
from kairos.exceptions import Unauthorized
from kairos.store.access import User
from kairos.store.base import Store
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1/auth", tags=["auth"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 429: {"model": Problem},
})


def session_body(store: Store, user: User, token: str) -> SessionPublic:
    return SessionPublic(
        user=UserPublic(id=user.id, email=user.email),
        csrf_token=csrf_token_for(token),
        workspaces=[WorkspaceRole(id=ws.id, slug=ws.slug, name=ws.name, role=role)
                    for ws, role in store.workspaces_of_user(user.id)],
    )


@router.post("/login", response_model=SessionPublic,
             summary="Sign in: sets the `kairos_session` cookie and returns the CSRF token")
def login(body: LoginRequest, request: Request, response: Response, store: StoreDep,
          settings: SettingsDep) -> SessionPublic:
    now = utcnow()
    throttle = Throttle(store, settings)
    scopes = [ip_scope(request), account_scope(body.email)]
    throttle.check(scopes, now)
    found = store.find_user(body.email)
    if found is None or not verify_password(found[1], body.password):
        if found is None:
            verify_password(None, body.password)  # the same cost as a wrong password
        throttle.fail(scopes, now)
        raise Unauthorized("wrong email or password")
    user, password_hash = found
    if needs_rehash(password_hash):
        store.set_password_hash(user.id, hash_password(body.password))
    throttle.clear(account_scope(user.email))
    token = start_session(store, settings, user, now)
    set_cookie(response, settings, token)
    return session_body(store, user, token)


@router.post("/logout", status_code=204, response_class=Response,
             summary="Sign out: ends the session (needs the X-CSRF-Token header)")
def logout(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    session_caller(request, store)
    token = presented_session_token(request)
    assert token is not None  # session_caller refused a request without one
    store.delete_session(hash_key(token))
    response = Response(status_code=204)
    clear_cookie(response, settings)
    return response


@router.get("/session", response_model=SessionPublic,
            summary="The signed-in person, their CSRF token and workspaces; 401 when signed out")
def current_session(request: Request, store: StoreDep) -> SessionPublic:
    caller = session_caller(request, store)
    token = presented_session_token(request)
    assert caller.user is not None and token is not None
    return session_body(store, caller.user, token)
