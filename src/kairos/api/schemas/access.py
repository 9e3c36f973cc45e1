"""Access bodies: sign-in, workspaces, members, API keys, the audit log and `/me`."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kairos.api.schemas.common import InputBody, Instant, ListResponse, Timestamp

Role = Literal["viewer", "operator", "admin"]
# Lowercase letters, digits and inner hyphens; no underscore, so no slug can look like `ws_…`.
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _email(value: str) -> str:
    value = value.strip().lower()
    if not EMAIL.match(value) or len(value) > 320:
        raise ValueError("not an email address")
    return value


class LoginRequest(InputBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"email": "ada@example.com", "password": "correct horse battery staple"},
    ]})

    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class UserPublic(BaseModel):
    id: str
    email: str


class WorkspaceRole(BaseModel):
    id: str
    slug: str
    name: str
    role: Role


class SessionPublic(BaseModel):
    user: UserPublic
    csrf_token: str
    workspaces: list[WorkspaceRole]


class WorkspaceCreate(InputBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"slug": "data-team", "name": "Data team"},
    ]})

    slug: str = Field(description="2-64 lowercase letters, digits and hyphens",
                      examples=["data-team"])
    name: str = Field(min_length=1, max_length=200)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("2-64 lowercase letters, digits and hyphens, starting and ending "
                             "with a letter or digit")
        return value


class WorkspaceRef(BaseModel):
    id: str
    slug: str
    name: str


class MePublic(BaseModel):
    type: Literal["user", "key"]
    id: str
    label: str
    role: Role
    workspace: WorkspaceRef


class MemberCreate(InputBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"email": "grace@example.com", "role": "operator"},
    ]})

    email: str = Field(max_length=320, description="The email of an existing account")
    role: Role

    _normal_email = field_validator("email")(_email)


class MemberUpdate(InputBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"role": "admin"},
    ]})

    role: Role


class MemberPublic(BaseModel):
    user_id: str
    email: str
    role: Role
    created_at: Timestamp


class ApiKeyCreate(InputBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "deploy bot", "role": "operator", "expires_at": "2027-01-01T00:00:00Z"},
    ]})

    name: str = Field(min_length=1, max_length=200)
    role: Role
    expires_at: Instant | None = None


class ApiKeyPublic(BaseModel):
    id: str
    name: str
    role: Role
    prefix: str = Field(description="The first characters of the secret, to recognise it")
    created_at: Timestamp
    expires_at: Timestamp | None
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None


SECRET_SHOWN_ONCE = ("the secret was shown once, in the first answer to this request; it is not "
                     "stored and cannot be shown again (revoke the key and make a new one if it was lost)")


class ApiKeyCreated(ApiKeyPublic):
    secret: str | None = Field(description="The key itself (`kr_…`): shown this once, never again "
                                           "(null when an Idempotency-Key replays the answer)")
    secret_note: str | None = Field(default=None, description="Set on a replay: where the secret went")


class Actor(BaseModel):
    type: Literal["user", "key"]
    id: str
    label: str


class AuditEntryPublic(BaseModel):
    id: str
    at: Timestamp
    actor: Actor
    action: str
    resource_type: str
    resource_id: str | None
    ip: str | None
    status: int


WorkspaceList = ListResponse[WorkspaceRole]
MemberList = ListResponse[MemberPublic]
ApiKeyList = ListResponse[ApiKeyPublic]
AuditLogPage = ListResponse[AuditEntryPublic]
