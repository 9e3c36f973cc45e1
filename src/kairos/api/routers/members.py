"""`/members`: who belongs to the workspace, with which role (admin only)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from kairos.api.deps import Admin, StoreDep
from kairos.api.idempotency import idempotent
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.access import MemberCreate, MemberList, MemberPublic, MemberUpdate
from kairos.api.schemas.common import Problem
from kairos.exceptions import InvalidInput
from kairos.store.access import Member
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, tags=["access"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
    409: {"model": Problem},
})


def member_public(member: Member) -> MemberPublic:
    return MemberPublic(user_id=member.user_id, email=member.email, role=member.role,
                        created_at=member.created_at)


@router.get("/members", response_model=MemberList, summary="The workspace's members")
def list_members(access: Admin, store: StoreDep) -> MemberList:
    items = [member_public(m) for m in store.list_members(access.workspace.id)]
    return MemberList(items=items, total=len(items), has_more=False)


@router.post("/members", status_code=201, response_model=MemberPublic,
             summary="Add an existing account to the workspace with a role")
def add_member(body: MemberCreate, request: Request, access: Admin, store: StoreDep) -> JSONResponse:
    def produce() -> MemberPublic:
        found = store.find_user(body.email)
        if found is None:
            raise InvalidInput.field("email", "no account has this email; create it first "
                                              "(`kairos users create`)")
        user, _ = found
        return member_public(store.add_member(access.workspace.id, user.id, body.role, utcnow()))

    return idempotent(request, store, access, body.model_dump(), 201, produce)


@router.patch("/members/{user_id}", response_model=MemberPublic,
              summary="Change a member's role (the last admin cannot be demoted)")
def change_role(user_id: str, body: MemberUpdate, access: Admin, store: StoreDep) -> MemberPublic:
    return member_public(store.change_member_role(access.workspace.id, user_id, body.role))


@router.delete("/members/{user_id}", status_code=204, response_class=Response,
               summary="Remove a member (the last admin cannot be removed)")
def remove_member(user_id: str, access: Admin, store: StoreDep) -> Response:
    store.remove_member(access.workspace.id, user_id)
    return Response(status_code=204)
