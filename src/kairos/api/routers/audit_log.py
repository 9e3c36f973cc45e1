"""`/audit-log`: who changed what in the workspace, newest first (admin only)."""

from __future__ import annotations

from fastapi import APIRouter

from kairos.api.deps import Admin, PageDep, StoreDep
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.access import Actor, AuditEntryPublic, AuditLogPage
from kairos.api.schemas.common import Problem
from kairos.store.access import AuditEntry

router = APIRouter(route_class=StrictJSONRoute, tags=["access"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})


def entry_public(entry: AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic(
        id=entry.id, at=entry.at,
        actor=Actor(type=entry.actor_type, id=entry.actor_id, label=entry.actor_label),
        action=entry.action, resource_type=entry.resource_type, resource_id=entry.resource_id,
        ip=entry.ip, status=entry.status,
    )


@router.get("/audit-log", response_model=AuditLogPage, summary="The workspace's audit log")
def audit_log(access: Admin, store: StoreDep, page: PageDep) -> AuditLogPage:
    result = store.list_audit_entries(access.workspace.id, page)
    return AuditLogPage.of_page(result, entry_public)
