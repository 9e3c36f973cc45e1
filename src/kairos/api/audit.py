"""The audit log: every successful unsafe request in a workspace, recorded in one place.

An ASGI middleware sees each POST/PUT/PATCH/DELETE once the app has answered it. When the answer
is a 2xx and `require()` admitted a caller into a workspace, it writes who (person or key), what
(an action named after the route), which resource, from which address and with which status.
The action comes from the route's path template (a dialect route's canonical one), so routes
added later are covered without their help: `POST /schedules` is `schedule.create`, `POST /schedules/{id}/trigger` is
`schedule.trigger`, `DELETE /api-keys/{key_id}` is `api_key.revoke`. Bodies are never stored,
so neither are the secrets they may carry; the created resource's id is read from the answer.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kairos.api.sessions import SAFE_METHODS
from kairos.ids import new_id
from kairos.store.access import AuditEntry

if TYPE_CHECKING:
    from kairos.api.deps import Caller
from kairos.timeutil import utcnow

log = logging.getLogger(__name__)
WORKSPACE_PREFIX = "/api/v1/workspaces/{workspace}"
METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}
# Where DELETE means something more exact than "delete".
DELETE_VERBS = {"job": "cancel", "api_key": "revoke", "member": "remove"}
# Routes that take a POST but change nothing (previews, strategy tests) say so with this
# `openapi_extra`, and are left out of the log.
CHANGES_NOTHING = {"x-changes-nothing": True}
# A dialect route (api/compat/) names the canonical route it acts as, and is logged as that:
# seed 002's `PUT /api/agents/{id}/schedules/{schedule_id}` is `schedule.update`.
AUDIT_AS = "x-canonical-route"
# Created resources' ids are read from answers up to this size (a batch answer is bigger and
# names no single resource anyway).
MAX_CAPTURE = 256 * 1024


def singular(collection: str) -> str:
    name = collection.replace("-", "_")
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


def describe_route(path_template: str, method: str) -> tuple[str, str, str | None]:
    """(action, resource type, name of the path parameter holding the resource id)."""
    # The template may come with the workspace prefix or without it (the router's own path).
    segments = path_template.removeprefix(WORKSPACE_PREFIX).strip("/").split("/")
    collection, _, colon_action = segments[0].partition(":")
    resource_type = singular(collection)
    id_param = None
    verbs = [colon_action] if colon_action else []
    for segment in segments[1:]:
        if segment.startswith("{") and segment.endswith("}"):
            if id_param is None and not verbs:
                id_param = segment[1:-1]
            continue
        verbs.append(segment.replace(":", "."))
    if not verbs:
        verb = METHOD_VERBS.get(method, method.lower())
        if method == "DELETE":
            verb = DELETE_VERBS.get(resource_type, verb)
        verbs = [verb]
    return f"{resource_type}.{'.'.join(verbs)}", resource_type, id_param


def audited_as(template: str) -> dict[str, Any]:
    """The `openapi_extra` of a route that the audit log reads as the canonical `template`."""
    return {AUDIT_AS: WORKSPACE_PREFIX + template}


def _created_id(body: bytes) -> str | None:
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict):
        for name in ("id", "user_id", "schedule_id"):
            if isinstance(data.get(name), str):
                return str(data[name])
    return None


def audit_entry(workspace_id: str, caller: Caller, *, action: str, resource_type: str,
                resource_id: str | None, ip: str | None, status: int) -> AuditEntry:
    """One entry, by whoever records it: the middleware, or a route outside any workspace."""
    return AuditEntry(id=new_id("aud"), workspace_id=workspace_id, at=utcnow(), actor_type=caller.type,
                      actor_id=caller.id, actor_label=caller.label, action=action,
                      resource_type=resource_type, resource_id=resource_id, ip=ip, status=status)


class AuditLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        # `require()` stores the admitted caller in the request state, which is this dict.
        scope.setdefault("state", {})
        status = 0
        body = bytearray()

        async def audited_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                # A replayed Idempotency-Key answer repeats a change already logged.
                if any(name.lower() == b"idempotent-replayed" for name, _ in message.get("headers", [])):
                    status = 0
            elif message["type"] == "http.response.body" and 200 <= status < 300:
                if len(body) < MAX_CAPTURE:
                    body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    # Written before the last byte leaves: whoever saw the answer finds the entry.
                    await self._record(scope, status, bytes(body))
            await send(message)

        await self.app(scope, receive, audited_send)

    async def _record(self, scope: Scope, status: int, body: bytes) -> None:
        access = scope["state"].get("access")
        # `access` is only set by require(), so only workspace routes get here.
        route = scope.get("route")
        template = getattr(route, "path_format", None)
        if access is None or not isinstance(template, str):
            return
        extra = getattr(route, "openapi_extra", None) or {}
        if extra.get("x-changes-nothing"):
            return
        template = extra.get(AUDIT_AS, template)
        action, resource_type, id_param = describe_route(template, scope["method"])
        resource_id = scope.get("path_params", {}).get(id_param) if id_param else None
        if resource_id is None and status in (200, 201) and len(body) <= MAX_CAPTURE:
            resource_id = _created_id(body)
        client = scope.get("client")
        entry = audit_entry(access.workspace.id, access.caller, action=action, resource_type=resource_type,
                            resource_id=resource_id, ip=client[0] if client else None, status=status)
        store = scope["app"].state.runtime.store
        try:
            await anyio.to_thread.run_sync(store.add_audit_entry, entry)
        except Exception:
            # The change itself is done; losing its entry must not turn it into an error.
            log.exception("could not write the audit entry for %s", action)
