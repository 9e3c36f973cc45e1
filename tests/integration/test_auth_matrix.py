"""Every route of the app, for every kind of caller, → the status SPEC 2 and 6 require.

The routes come from `app.routes`, and each workspace route's minimum role from its own
`require(role)` dependency, so a route added without a role check fails here. Routes outside the
workspaces are listed in EXCEPTIONS with their own rule; a route in neither fails too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from kairos.api.audit import AUDIT_AS
from kairos.api.auth import ROLES, create_key
from kairos.api.compat import DIALECTS
from kairos.api.sessions import CSRF_HEADER
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.access_helpers import ROOT, make_app, signed_in

ADMIN_KEY = "kr_matrix_admin_key"
WORKSPACE_PREFIX = "/api/v1/workspaces/{workspace}"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The dialects' routes (SPEC 10), gated like the canonical routes they act as.
DIALECT_TAGS = {module.TAG for module in DIALECTS.values()}


def is_dialect(route: Any) -> bool:
    return bool(DIALECT_TAGS & set(getattr(route.original_route, "tags", None) or ()))

# Routes outside `{workspace}`, with the rule each follows instead of a role.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "public",
    ("GET", "/readyz"): "public",
    ("GET", "/metrics"): "public",  # unless KAIROS_METRICS_TOKEN is set (docs/metrics.md)
    ("GET", "/"): "public",
    ("GET", "/dashboard"): "public",
    ("GET", "/openapi.json"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/docs/oauth2-redirect"): "public",
    ("POST", "/api/v1/auth/login"): "public",
    ("POST", "/api/v1/auth/logout"): "session",
    ("GET", "/api/v1/auth/session"): "session",
    ("GET", "/api/v1/workspaces"): "any caller",
    ("POST", "/api/v1/workspaces"): "person",
}


def _roles_in(dependant: Dependant) -> list[str]:
    found = []
    for dependency in dependant.dependencies:
        role = getattr(dependency.call, "required_role", None)
        if role is not None:
            found.append(role)
        found += _roles_in(dependency)
    return found


def minimum_role(route: Any) -> str | None:
    """The role of the route's `require()` dependency (with those of routers it is included by)."""
    if not isinstance(route.original_route, APIRoute):
        return None
    roles = _roles_in(route.dependant)
    return max(roles, key=ROLES.index) if roles else None


def endpoints(app: FastAPI) -> list[tuple[str, str, Any]]:
    """(method, path template, route) of every route; mounts (static files) are not endpoints."""
    found = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            continue
        assert route.path is not None
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((method, route.path, route))
    # Deleting last keeps the path ids alive for the other routes.
    return sorted(found, key=lambda e: (e[0] == "DELETE", e[1], e[0]))


def test_every_route_is_gated_or_listed(store: SqlStore) -> None:
    app = make_app(store, ADMIN_KEY)
    unguarded = []
    for method, path, route in endpoints(app):
        if path.startswith(WORKSPACE_PREFIX + "/") or is_dialect(route):
            if not minimum_role(route):
                unguarded.append(f"{method} {path}")
        elif (method, path) not in EXCEPTIONS:
            unguarded.append(f"{method} {path}")
    assert unguarded == [], "routes with neither a require(role) nor an entry in EXCEPTIONS"
    # Spot checks of what the route table reads, against SPEC 6.
    roles = {(m, p): minimum_role(r) for m, p, r in endpoints(app)}
    assert roles[("GET", f"{WORKSPACE_PREFIX}/schedules")] == "viewer"
    assert roles[("POST", f"{WORKSPACE_PREFIX}/schedules")] == "operator"
    assert roles[("DELETE", f"{WORKSPACE_PREFIX}/schedules/{{schedule_id}}")] == "admin"
    assert roles[("GET", f"{WORKSPACE_PREFIX}/api-keys")] == "admin"
    assert roles[("GET", f"{WORKSPACE_PREFIX}/members")] == "admin"
    assert roles[("GET", f"{WORKSPACE_PREFIX}/audit-log")] == "admin"
    assert roles[("GET", f"{WORKSPACE_PREFIX}/me")] == "viewer"


# Where SPEC 6's rule by method (GET viewer, create/update/actions operator, DELETE admin) does
# not apply, and why.
ROLE_EXCEPTIONS = {
    ("POST", "/schedules:preview"): "viewer",  # computes fire times of an unsaved trigger; writes nothing
    ("DELETE", "/jobs/{job_id}"): "operator",  # cancelling a job is an operator action in SPEC 6
}
ADMIN_AREAS = ("/api-keys", "/members", "/audit-log")


def spec_role(method: str, path: str) -> str:
    relative = path.removeprefix(WORKSPACE_PREFIX)
    if (method, relative) in ROLE_EXCEPTIONS:
        return ROLE_EXCEPTIONS[(method, relative)]
    if relative.startswith(ADMIN_AREAS):
        return "admin"
    return {"GET": "viewer", "DELETE": "admin"}.get(method, "operator")


def acts_as(route: Any, path: str) -> str:
    """The canonical route a dialect route acts as (itself for a canonical route)."""
    original = route.original_route
    return str((getattr(original, "openapi_extra", None) or {}).get(AUDIT_AS, path))


def test_each_route_declares_the_role_spec_6_gives_it(store: SqlStore) -> None:
    app = make_app(store, ADMIN_KEY)
    wrong = [f"{m} {p}: declares {minimum_role(r)}, SPEC 6 says {spec_role(m, acts_as(r, p))}"
             for m, p, r in endpoints(app)
             if (p.startswith(WORKSPACE_PREFIX + "/") or is_dialect(r))
             and minimum_role(r) != spec_role(m, acts_as(r, p))]
    assert wrong == []
    at_root = [p for _, p, r in endpoints(app) if is_dialect(r) and not p.startswith("/compat/")]
    assert {p.split("/")[2] for p in at_root} == {"agents", "v1", "schedules"}
    assert len([r for _, _, r in endpoints(app) if is_dialect(r)]) >= 40


class World:
    """Real resources in workspace `default`, so path ids exist, and callers of every kind."""

    def __init__(self, store: SqlStore, app: FastAPI, user_for: Callable[..., str]) -> None:
        self.client = TestClient(app, base_url=ROOT)
        admin = {"X-API-Key": ADMIN_KEY}
        base = "/api/v1/workspaces/default"
        schedule = self.client.post(f"{base}/schedules", headers=admin,
                                    json={"task": "kairos.echo", "cron_expression": "0 * * * *"})
        assert schedule.status_code == 201, schedule.text
        job = self.client.post(f"{base}/jobs", headers=admin, json={"task": "kairos.echo"})
        assert job.status_code == 201, job.text
        now = utcnow()
        ws = store.get_workspace("default")
        other = store.ensure_workspace("other", "Other", now)
        victim_key, _ = create_key(store, ws.id, name="victim", role="viewer", now=now)
        member = user_for("viewer")
        found = store.find_user(member)
        assert found is not None
        self.path_values = {"workspace": "default", "schedule_id": schedule.json()["id"],
                            "job_id": job.json()["id"], "key_id": victim_key.id,
                            "user_id": found[0].id}

        def key(role: str, workspace_id: str = ws.id) -> dict[str, str]:
            _, secret = create_key(store, workspace_id, name=role, role=role, now=now)
            return {"X-API-Key": secret}

        revoked, revoked_secret = create_key(store, ws.id, name="revoked", role="admin", now=now)
        store.revoke_api_key(ws.id, revoked.id, now)
        # Made an hour ago, it expired a minute ago.
        _, expired_secret = create_key(store, ws.id, name="expired", role="admin",
                                       now=now - timedelta(hours=1),
                                       expires_at=now - timedelta(minutes=1))
        self.key_callers: dict[str, dict[str, str]] = {
            "no credentials": {},
            "bad key": {"X-API-Key": "kr_not_a_key_of_this_instance"},
            "revoked key": {"X-API-Key": revoked_secret},
            "expired key": {"X-API-Key": expired_secret},
            "viewer": key("viewer"),
            "operator": key("operator"),
            "admin": key("admin"),
            "admin of another workspace": key("admin", other.id),
        }
        self.sessions = {role: signed_in(app, user_for(role)) for role in ROLES}
        self.sessions["admin of another workspace"] = signed_in(app, user_for("admin", "other"))

    def url(self, path: str) -> str:
        for name, value in self.path_values.items():
            path = path.replace("{" + name + "}", value)
        # Parameters this test does not know (routes added later) get an id that exists nowhere:
        # an authorised caller may then see 404, never 401/403.
        while "{" in path:
            start, end = path.index("{"), path.index("}")
            path = path[:start] + "zz_unknown" + path[end + 1:]
        return path


def _call(client: TestClient, method: str, url: str, headers: dict[str, str]) -> Any:
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    return client.request(method, url, headers=headers, json=body)


def _expect(outcome: str, status: int, detail: str, where: str) -> None:
    if outcome == "401":
        assert status == 401, where
    elif outcome == "403":
        assert status == 403, where
    elif outcome == "hidden":
        assert status == 404 and detail == "workspace 'default' not found", where
    else:  # allowed: anything but an authentication or authorisation refusal, or a crash
        assert status not in (401, 403, 429) and status < 500, where
        assert not (status == 404 and "workspace" in detail), where


def _outcome(caller: str, needed: str) -> str:
    if caller in ("no credentials", "bad key", "revoked key", "expired key"):
        return "401"
    if caller == "admin of another workspace":
        return "hidden"
    return "allowed" if ROLES.index(caller) >= ROLES.index(needed) else "403"


def test_key_matrix_over_every_workspace_route(store: SqlStore, user_for: Callable[..., str]) -> None:
    # The matrix sends hundreds of bad keys from one address; throttling is tested on its own.
    app = make_app(store, ADMIN_KEY, auth_ip_failure_limit=1_000_000)
    world = World(store, app, user_for)
    checked = 0
    for method, path, route in endpoints(app):
        if not path.startswith(WORKSPACE_PREFIX + "/"):
            continue
        needed = minimum_role(route)
        assert needed is not None
        for caller, headers in world.key_callers.items():
            response = _call(world.client, method, world.url(path), headers)
            detail = response.json().get("detail", "") if response.status_code >= 400 else ""
            _expect(_outcome(caller, needed), response.status_code, detail,
                    f"{method} {path} as {caller}: {response.status_code} {response.text[:300]}")
            checked += 1
    assert checked >= 8 * 20


def test_session_matrix_over_every_workspace_route(store: SqlStore, user_for: Callable[..., str]) -> None:
    app = make_app(store, ADMIN_KEY, auth_ip_failure_limit=1_000_000)
    world = World(store, app, user_for)
    for method, path, route in endpoints(app):
        if not path.startswith(WORKSPACE_PREFIX + "/"):
            continue
        needed = minimum_role(route)
        assert needed is not None
        for caller, (client, csrf) in world.sessions.items():
            where = f"{method} {path} as {caller} (session)"
            if method in UNSAFE:
                # Without the CSRF token a cookie's unsafe request never gets through.
                refused = _call(client, method, world.url(path), {})
                assert refused.status_code == 403, f"{where} without CSRF: {refused.status_code}"
                forged = _call(client, method, world.url(path), {CSRF_HEADER: "0" * 64})
                assert forged.status_code == 403, f"{where} with a wrong CSRF token"
            response = _call(client, method, world.url(path), {CSRF_HEADER: csrf})
            detail = response.json().get("detail", "") if response.status_code >= 400 else ""
            _expect(_outcome(caller, needed), response.status_code, detail,
                    f"{where}: {response.status_code} {response.text[:300]}")


def test_routes_outside_workspaces_follow_their_listed_rule(
    store: SqlStore, user_for: Callable[..., str],
) -> None:
    app = make_app(store, ADMIN_KEY, auth_ip_failure_limit=1_000_000)
    world = World(store, app, user_for)
    anonymous = TestClient(app, base_url=ROOT, follow_redirects=False)
    viewer = user_for("viewer")
    for method, path, route in endpoints(app):
        if path.startswith(WORKSPACE_PREFIX + "/") or is_dialect(route):
            continue  # gated by require(): the matrices above, and tests/conformance for dialects
        rule = EXCEPTIONS[(method, path)]
        nobody = _call(anonymous, method, path, {})
        if rule == "public":
            assert nobody.status_code not in (401, 403), f"{method} {path}"
            continue
        assert nobody.status_code == 401, f"{method} {path} without credentials"
        bad = _call(anonymous, method, path, world.key_callers["bad key"])
        assert bad.status_code == 401, f"{method} {path} with a bad key"
        client, csrf = signed_in(app, viewer)  # a fresh session: logout ends the one it uses
        as_key = _call(anonymous, method, path, world.key_callers["admin"])
        as_person = _call(client, method, path, {CSRF_HEADER: csrf})
        if rule == "session":
            assert as_key.status_code == 401, f"{method} {path}: a key is not a session"
            assert as_person.status_code in (200, 204), f"{method} {path}: {as_person.text}"
        elif rule == "any caller":
            assert as_key.status_code == 200 and as_person.status_code == 200, f"{method} {path}"
        elif rule == "person":
            assert as_key.status_code == 403, f"{method} {path}: keys cannot do this"
            assert as_person.status_code == 400, f"{method} {path}: {as_person.text}"  # empty body
        else:
            pytest.fail(f"unknown rule {rule!r}")
