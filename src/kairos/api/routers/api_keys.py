"""`/api-keys`: the workspace's keys; the secret is shown once, at creation (admin only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kairos.api.auth import create_key
from kairos.api.deps import Admin, PageDep, StoreDep
from kairos.api.idempotency import idempotent
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.access import (
    SECRET_SHOWN_ONCE,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyPublic,
)
from kairos.api.schemas.common import Problem
from kairos.exceptions import InvalidInput
from kairos.store.access import ApiKey
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, tags=["access"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})


def key_public(key: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(id=key.id, name=key.name, role=key.role,
                        prefix=key.prefix, created_at=key.created_at, expires_at=key.expires_at,
                        last_used_at=key.last_used_at, revoked_at=key.revoked_at)


@router.get("/api-keys", response_model=ApiKeyList, summary="The workspace's API keys, newest first")
def list_keys(access: Admin, store: StoreDep, page: PageDep) -> ApiKeyList:
    result = store.list_api_keys(access.workspace.id, page)
    return ApiKeyList.of_page(result, key_public)


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated,
             summary="Create a key; its `secret` is in this answer only")
def create(body: ApiKeyCreate, request: Request, access: Admin, store: StoreDep) -> JSONResponse:
    def produce() -> ApiKeyCreated:
        now = utcnow()
        if body.expires_at is not None and body.expires_at <= now:
            raise InvalidInput.field("expires_at", "must be in the future")
        key, secret = create_key(store, access.workspace.id, name=body.name, role=body.role, now=now,
                                 expires_at=body.expires_at)
        return ApiKeyCreated(**key_public(key).model_dump(), secret=secret)

    return idempotent(request, store, access, body.model_dump(mode="json"), 201, produce, replay=_without_secret)


def _without_secret(first: Any) -> Any:
    # The secret is stored only as a hash; a replay names the key and says where the secret went.
    return {**first, "secret": None, "secret_note": SECRET_SHOWN_ONCE}


@router.get("/api-keys/{key_id}", response_model=ApiKeyPublic, summary="One API key (never its secret)")
def get_key(key_id: str, access: Admin, store: StoreDep) -> ApiKeyPublic:
    return key_public(store.get_api_key(access.workspace.id, key_id))


@router.delete("/api-keys/{key_id}", response_model=ApiKeyPublic,
               summary="Revoke a key: refused from the next request on")
def revoke(key_id: str, access: Admin, store: StoreDep) -> ApiKeyPublic:
    return key_public(store.revoke_api_key(access.workspace.id, key_id, utcnow()))
