"""`/me`: who the caller is in this workspace, and with which role."""

from __future__ import annotations

from fastapi import APIRouter

from kairos.api.deps import Viewer
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.access import MePublic, WorkspaceRef

router = APIRouter(route_class=StrictJSONRoute, tags=["access"])


@router.get("/me", response_model=MePublic, summary="The caller (person or key) and its role here")
def me(access: Viewer) -> MePublic:
    ws = access.workspace
    return MePublic(type=access.caller.type, id=access.caller.id, label=access.caller.label,
                    role=access.role,
                    workspace=WorkspaceRef(id=ws.id, slug=ws.slug, name=ws.name))
