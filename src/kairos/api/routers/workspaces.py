"""`/api/v1/workspaces`: the workspaces the caller can reach, and creating one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from kairos.api.audit import audit_entry
from kairos.api.deps import Caller, CallerDep, StoreDep
from kairos.api.idempotency import idempotent
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.access import WorkspaceCreate, WorkspaceList, WorkspaceRole
from kairos.api.schemas.common import Problem
from kairos.api.throttle import client_ip
from kairos.exceptions import Forbidden
from kairos.ids import new_id
from kairos.store.access import Workspace
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1/workspaces", tags=["workspaces"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 409: {"model": Problem},
})


@router.get("", response_model=WorkspaceList,
            summary="The workspaces you can reach, with your role in each")
def list_workspaces(caller: CallerDep, store: StoreDep) -> WorkspaceList:
    if caller.key is not None:
        workspace = store.get_workspace(caller.key.workspace_id)
        items = [WorkspaceRole(id=workspace.id, slug=workspace.slug, name=workspace.name,
                               role=caller.key.role)]
    else:
        items = [WorkspaceRole(id=ws.id, slug=ws.slug, name=ws.name, role=role)
                 for ws, role in store.workspaces_of_user(caller.id)]
    return WorkspaceList(items=items, total=len(items), has_more=False)


def _person(caller: CallerDep) -> Caller:
    # A dependency, so that a key is refused before the body is even looked at.
    if caller.user is None:
        raise Forbidden("creating a workspace needs a signed-in person: an API key belongs to "
                        "one workspace")
    return caller


@router.post("", status_code=201, response_model=WorkspaceRole,
             summary="Create a workspace; you become its admin (signed-in people only)")
def create_workspace(body: WorkspaceCreate, request: Request,
                     caller: Annotated[Caller, Depends(_person)], store: StoreDep) -> JSONResponse:
    assert caller.user is not None
    user_id = caller.user.id

    def produce() -> WorkspaceRole:
        now = utcnow()
        workspace = Workspace(id=new_id("ws"), slug=body.slug, name=body.name, created_at=now)
        store.create_workspace(workspace, user_id)
        # Made outside any workspace, so the generic audit middleware cannot see it: record it here.
        store.add_audit_entry(audit_entry(workspace.id, caller, action="workspace.create",
                                          resource_type="workspace", resource_id=workspace.id,
                                          ip=client_ip(request), status=201))
        return WorkspaceRole(id=workspace.id, slug=workspace.slug, name=workspace.name, role="admin")

    return idempotent(request, store, caller, body.model_dump(), 201, produce)
