"""The dashboard's own api.js, run in Node against a real Kairos server: sign-in with a cookie session
and its CSRF token, resuming after a reload, roles from /me, the admin calls, sign-out, the API-key
alternative, and the Retry-After of a throttled sign-in.

Node's fetch stands in for the browser's; the only piece added around it is a cookie jar that
behaves as a browser does for same-origin requests (store what Set-Cookie says, send it back).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from kairos.api.app import create_app
from kairos.api.auth import bootstrap, create_key
from kairos.api.passwords import hash_password
from kairos.ids import new_id
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.access import User
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from kairos.web.dashboard import STATIC

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

ADMIN_EMAIL = "owner@example.com"
PASSWORD = "correct horse battery staple"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run `app` on a free port of 127.0.0.1 (its lifespan too); yields its base URL."""
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        if not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=30)


def run_probe(tmp_path: Path, probe: str, env: dict[str, str]) -> dict[str, Any]:
    """Run `probe` (an ES module) in Node beside copies of the dashboard's modules; its JSON output."""
    for script in STATIC.glob("*.js"):
        shutil.copy(script, tmp_path / script.name)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "probe.js").write_text(BROWSER + probe)
    assert NODE is not None
    result = subprocess.run([NODE, "probe.js"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            check=False, env={"PATH": "/usr/bin:/bin", "TZ": "UTC", **env})
    assert result.returncode == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


@pytest.fixture
def server(store: SqlStore, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real Kairos API on 127.0.0.1, with an admin person and a viewer key in `default`."""
    now = utcnow()
    bootstrap(store, now, "kr_bootstrap_admin_key")
    workspace = store.get_workspace("default")
    user = User(id=new_id("usr"), email=ADMIN_EMAIL, created_at=now)
    store.add_user(user, hash_password(PASSWORD))
    store.add_member(workspace.id, user.id, "admin", now)
    _, viewer_secret = create_key(store, workspace.id, name="wallboard", role="viewer", now=now)
    settings = Settings(data_dir=tmp_path, auth_account_failure_limit=2)
    app = create_app(Runtime.build(settings, store, frozenset({"api"})), start_loops=False)
    with serve(app) as url:
        yield {"url": url, "viewer_key": viewer_secret, "user_id": user.id}


# Browser stand-ins: localStorage, and a same-origin cookie jar in front of fetch.
BROWSER = r"""
const storage = new Map();
globalThis.localStorage = {
  getItem: (k) => (storage.has(k) ? storage.get(k) : null),
  setItem: (k, v) => storage.set(k, String(v)),
  removeItem: (k) => storage.delete(k),
};
const ORIGIN = process.env.KAIROS_URL;
const jar = new Map();
const sent = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init = {}) => {
  if (!url.startsWith("/")) throw new Error(`not a same-origin path: ${url}`);
  const headers = { ...(init.headers || {}) };
  if (init.credentials === "same-origin" && jar.size) {
    headers.Cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }
  sent.push({ method: init.method, url, csrf: headers["X-CSRF-Token"] ?? null, key: headers["X-API-Key"] ?? null });
  const response = await realFetch(ORIGIN + url, { ...init, headers });
  for (const line of response.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(";").map((part) => part.trim());
    const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
    const expired = attributes.some((a) => /^max-age=0$/i.test(a)) || value === "" || value === '""';
    if (expired) jar.delete(name);
    else jar.set(name, value);
  }
  return response;
};
"""

PROBE = r"""
const { ApiError, apiKeys, auditLog, auth, members, schedules, session, workspaces } = await import("./api.js");
const { can, loadMe, reachableWorkspaces } = await import("./access.js");
const { endSession, pickWorkspace, resumeCookieSession } = await import("./auth.js");

const status = async (promise) => {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
};
const out = {};
const schedule = { trigger_type: "cron", cron_expression: "0 9 * * *", timezone: "UTC", task: "kairos.echo" };

out.resumedBeforeSignIn = await resumeCookieSession("default");
out.wrongPassword = await status(auth.login({ email: process.env.ADMIN_EMAIL, password: "nope" }));

const answer = await auth.login({ email: process.env.ADMIN_EMAIL, password: process.env.PASSWORD });
session.useCookie(answer, pickWorkspace(answer.workspaces, "default"));
out.cookieNames = [...jar.keys()];
out.workspace = session.current.workspace;
out.me = await loadMe();
out.canAdmin = can("admin");
out.reachable = (await reachableWorkspaces()).map((w) => w.slug);

out.createWorkspace = await status(workspaces.create({ slug: "team-two", name: "Team two" }));
out.afterCreate = (await reachableWorkspaces()).map((w) => `${w.slug}:${w.role}`).sort();
out.createSchedule = await status(schedules.create(schedule));
out.lastUnsafe = sent.filter((r) => r.method === "POST").at(-1);
out.lastSafe = sent.filter((r) => r.method === "GET").at(-1);

const key = await apiKeys.create({ name: "ci", role: "operator" });
out.keySecretShown = typeof key.secret === "string" && key.secret.startsWith("kr_");
const listed = (await apiKeys.list({ limit: 200 })).items;
out.keyListed = listed.some((k) => k.id === key.id && key.secret.startsWith(k.prefix) && !("secret" in k));
out.revoked = (await apiKeys.revoke(key.id)).revoked_at !== null;

out.members = (await members.list({ limit: 200 })).items.map((m) => `${m.email}:${m.role}`);
try {
  await members.remove(process.env.USER_ID);
  out.removeLastAdmin = null;
} catch (error) {
  out.removeLastAdmin = { status: error.status, detail: error.detail };
}
const audit = await auditLog.list({ limit: 5 });
out.audit = audit.items.map((entry) => [entry.action, entry.actor.type, entry.status]);

const csrf = session.current.csrf;
session.current.csrf = "forged";
out.forgedCsrf = await status(schedules.create(schedule));
session.current.csrf = csrf;

// A reload: the page starts with nothing but the cookie and localStorage.
session.current = null;
const saved = session.load();
out.savedAfterReload = saved;
out.resumed = await resumeCookieSession(saved.workspace);
out.resumedCsrfWorks = await status(schedules.create(schedule));

await endSession();
out.afterSignOut = { session: await status(auth.session()), cookies: [...jar.keys()], current: session.current };
out.logoutSentCsrf = sent.find((r) => r.url === "/api/v1/auth/logout").csrf === csrf;

session.useKey(process.env.VIEWER_KEY, "default");
out.keyMe = await loadMe();
out.keyCanOperate = can("operator");
out.keyCreate = await status(schedules.create(schedule));
out.keyRequest = sent.at(-1);
out.keyWorkspaces = (await reachableWorkspaces()).map((w) => w.slug);
session.clear();

const throttled = [];
for (let n = 0; n < 3; n += 1) {
  try {
    await auth.login({ email: "someone@example.com", password: "guess" });
  } catch (error) {
    throttled.push([error.status, error.retryAfter]);
  }
}
out.throttled = throttled;
console.log(JSON.stringify(out));
"""


def test_the_dashboard_signs_in_works_and_signs_out_as_a_browser_would(
        tmp_path: Path, server: dict[str, str]) -> None:
    out = run_probe(tmp_path, PROBE, {"KAIROS_URL": server["url"], "ADMIN_EMAIL": ADMIN_EMAIL, "PASSWORD": PASSWORD,
                                      "VIEWER_KEY": server["viewer_key"], "USER_ID": server["user_id"]})

    # Sign-in: nothing to resume at first, a wrong password is a 401, the right one a cookie session.
    assert out["resumedBeforeSignIn"] is False
    assert out["wrongPassword"] == 401
    assert out["cookieNames"] == ["kairos_session"]
    assert out["workspace"] == "default"
    assert out["me"]["type"] == "user" and out["me"]["role"] == "admin"
    assert out["canAdmin"] is True
    assert out["reachable"] == ["default"]

    # Every unsafe request of the cookie session carries the CSRF token; safe ones do not need it.
    assert out["createWorkspace"] == 200
    assert out["afterCreate"] == ["default:admin", "team-two:admin"]
    assert out["createSchedule"] == 200
    assert out["lastUnsafe"]["csrf"] and out["lastUnsafe"]["key"] is None
    assert out["lastSafe"]["csrf"] is None
    assert out["forgedCsrf"] == 403

    # Admin pages: the key's secret once, then only its prefix; the last admin stays (409, said why).
    assert out["keySecretShown"] and out["keyListed"] and out["revoked"]
    assert out["members"] == [f"{ADMIN_EMAIL}:admin"]
    assert out["removeLastAdmin"]["status"] == 409
    assert "admin" in out["removeLastAdmin"]["detail"]
    assert out["audit"] and all(actor == "user" for _, actor, _ in out["audit"])

    # A reload keeps no secret in storage, and resumes from the cookie with a working CSRF token.
    assert out["savedAfterReload"] == {"mode": "cookie", "workspace": "default"}
    assert out["resumed"] is True
    assert out["resumedCsrfWorks"] == 200

    # Sign-out ends the session on the server and drops the cookie.
    assert out["afterSignOut"] == {"session": 401, "cookies": [], "current": None}
    assert out["logoutSentCsrf"] is True

    # The API-key alternative: a viewer key is read-only, sends its key and no CSRF token.
    assert out["keyMe"]["type"] == "key" and out["keyMe"]["role"] == "viewer"
    assert out["keyCanOperate"] is False
    assert out["keyCreate"] == 403
    assert out["keyRequest"]["key"] == server["viewer_key"] and out["keyRequest"]["csrf"] is None
    assert out["keyWorkspaces"] == ["default"]

    # Throttled sign-ins: two failures are allowed, the third is a 429 whose wait the dashboard read.
    assert [code for code, _ in out["throttled"]] == [401, 401, 429]
    wait = out["throttled"][2][1]
    assert isinstance(wait, int) and 0 < wait <= 900


ROLES_PROBE = r"""
const { ApiError, retryAfterSeconds, session } = await import("./api.js");
const { can } = await import("./access.js");
const { pickWorkspace } = await import("./auth.js");
const { rememberSecret, takeSecret } = await import("./schedule-scrape.js");

const table = {};
for (const role of ["viewer", "operator", "admin", null]) {
  session.me = role ? { role } : null;
  table[role ?? "unknown"] = ["viewer", "operator", "admin"].filter((needed) => can(needed));
}
const list = [{ slug: "alpha", id: "ws_1" }, { slug: "beta", id: "ws_2" }];
rememberSecret("sched_1", "whsec_x");
const now = Date.parse("2026-11-23T10:00:00Z");
console.log(JSON.stringify({
  table,
  picks: [pickWorkspace(list, "beta"), pickWorkspace(list, "ws_2"), pickWorkspace(list, "gone"),
          pickWorkspace([], "x")],
  secrets: [takeSecret("sched_1"), takeSecret("sched_1"), takeSecret("sched_2")],
  waits: [retryAfterSeconds("30", now), retryAfterSeconds("Mon, 23 Nov 2026 10:02:00 GMT", now),
          retryAfterSeconds(null, now), retryAfterSeconds("soon", now)],
  error: new ApiError(429, { title: "Too Many Requests" }, 42).retryAfter,
}));
"""


def test_roles_workspaces_secrets_and_waits_as_the_pages_read_them(tmp_path: Path) -> None:
    out = run_probe(tmp_path, ROLES_PROBE, {})
    # Viewer: read-only; operator: no delete or admin pages; admin: everything. Unknown: the server decides.
    assert out["table"] == {"viewer": ["viewer"], "operator": ["viewer", "operator"],
                            "admin": ["viewer", "operator", "admin"], "unknown": ["viewer", "operator", "admin"]}
    assert out["picks"] == ["beta", "beta", "alpha", None]
    assert out["secrets"] == ["whsec_x", None, None], "a secret is shown once"
    assert out["waits"] == [30, 120, None, None]
    assert out["error"] == 42
