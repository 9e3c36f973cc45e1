"""`/connections/reddit`: a workspace's own Reddit app. Secrets go in and never come out."""

from __future__ import annotations

from fastapi import APIRouter

from kairos.api.deps import Admin, Operator, SettingsDep, StoreDep, Viewer
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.common import Problem
from kairos.api.schemas.reddit import RedditConnectionPublic, RedditConnectionPut
from kairos.api.schemas.schedules import DeletedResponse
from kairos.domain.reddit import RedditConnection
from kairos.exceptions import FieldError, InvalidInput, RedditConnectionNotFound
from kairos.settings import Settings
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, tags=["reddit"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})


def _public(connection: RedditConnection | None, settings: Settings) -> RedditConnectionPublic:
    if connection is None:
        source = "instance" if settings.reddit_client_id else "anonymous"
        return RedditConnectionPublic(source=source, client_id=settings.reddit_client_id or None,
                                      has_client_secret=bool(settings.reddit_client_secret))
    return RedditConnectionPublic(
        source="workspace", client_id=connection.client_id, username=connection.username,
        has_client_secret=bool(connection.client_secret), has_password=bool(connection.password),
        has_refresh_token=bool(connection.refresh_token), user_agent=connection.user_agent,
        created_at=connection.created_at, updated_at=connection.updated_at)


def _check(body: RedditConnectionPut) -> None:
    errors = []
    if (body.username is None) != (body.password is None):
        errors.append(FieldError(("body", "password" if body.username else "username"),
                                 "a script app needs both username and password"))
    if body.refresh_token and body.username:
        errors.append(FieldError(("body", "refresh_token"), "send a refresh_token or a username and "
                                                            "password, not both"))
    if errors:
        raise InvalidInput(errors=errors)


@router.put("/connections/reddit", response_model=RedditConnectionPublic,
            summary="Give this workspace its own Reddit app (replaces the one it had)")
def put_connection(body: RedditConnectionPut, access: Operator, store: StoreDep,
                   settings: SettingsDep) -> RedditConnectionPublic:
    _check(body)
    now = utcnow()
    saved = store.put_reddit_connection(RedditConnection(
        workspace_id=access.workspace.id, client_id=body.client_id, client_secret=body.client_secret,
        username=body.username, password=body.password, refresh_token=body.refresh_token,
        user_agent=body.user_agent, created_at=now, updated_at=now))
    return _public(saved, settings)


@router.get("/connections/reddit", response_model=RedditConnectionPublic,
            summary="Which Reddit app this workspace's jobs use, and which secrets are set")
def get_connection(access: Viewer, store: StoreDep, settings: SettingsDep) -> RedditConnectionPublic:
    return _public(store.get_reddit_connection(access.workspace.id), settings)


@router.delete("/connections/reddit", response_model=DeletedResponse,
               summary="Forget this workspace's Reddit app (the instance's applies again)")
def delete_connection(access: Admin, store: StoreDep) -> DeletedResponse:
    if not store.delete_reddit_connection(access.workspace.id):
        raise RedditConnectionNotFound("reddit")
    return DeletedResponse(message="Reddit connection deleted", id="reddit")
