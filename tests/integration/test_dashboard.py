"""The dashboard: served from the app itself, loading nothing from elsewhere, calling only real routes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kairos.api.app import create_app
from kairos.api.auth import bootstrap
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from kairos.web.dashboard import STATIC

KEY = "kr_test_key"
HEADERS = {"X-API-Key": KEY}
BASE = "/api/v1/workspaces/default"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

# `call("POST", `/schedules/${id(scheduleId)}/trigger`, …)` (inside the workspace) or
# `callRoot("POST", "/auth/login", …)` (under /api/v1): every request in api.js has one of these shapes.
CALL = re.compile(r"""\b(call|callRoot)\(\s*"(GET|POST|PUT|PATCH|DELETE)"\s*,\s*(["`])([^"`]*)\3""")
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^"'`;]*?\bfrom\s*["']([^"']+)["']""", re.MULTILINE)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']""")
MARKUP_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                "srcdoc")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(url)
    store = SqlStore(url)
    bootstrap(store, utcnow(), KEY)
    runtime = Runtime.build(Settings(data_dir=tmp_path), store, frozenset({"api"}))
    yield create_app(runtime, start_loops=False)
    store.close()


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


class _References(HTMLParser):
    """Collects what a page loads (src, href) and anything that would run inline."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "action", "poster", "srcset"):
            if values.get(name):
                self.urls.append((tag, str(values[name])))
        self.inline += [f"<{tag} {name}=…>" for name, _ in attrs if name.startswith("on") or name == "style"]
        self._in_script = tag == "script"
        if tag == "style":
            self.inline.append("<style>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("<script> with inline code")


def page_references(html: str) -> _References:
    parser = _References()
    parser.feed(html)
    return parser


def static_path(url: str) -> Path:
    assert url.startswith("/static/"), url
    return STATIC / url.removeprefix("/static/")


def script_graph(client: TestClient) -> dict[str, str]:
    """Every script the page loads, following ES module imports: {url: source}."""
    html = client.get("/dashboard").text
    pending = [url for tag, url in page_references(html).urls if tag == "script"]
    seen: dict[str, str] = {}
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = response.text
        for spec in IMPORT.findall(response.text):
            assert spec.startswith("./"), f"{url} imports {spec!r}; only sibling modules are served"
            pending.append(url.rsplit("/", 1)[0] + "/" + spec.removeprefix("./"))
    return seen


def normalise(path: str) -> str:
    """A route with every placeholder (`{schedule_id}`, `${id(x)}`) written `{}`."""
    return re.sub(r"\$\{[^}]*\}|\{[^}]*\}", "{}", path)


def api_calls(source: str) -> list[tuple[str, str]]:
    """Every request api.js can send, as (method, full route path with `{}` placeholders)."""
    base = re.search(r'API_BASE = "([^"]+)"', source)
    root = re.search(r'API_ROOT = "([^"]+)"', source)
    assert base is not None and root is not None
    return [(method, normalise((base.group(1) + "{}" if fn == "call" else root.group(1)) + path))
            for fn, method, _, path in CALL.findall(source)]


API_JS_CALLS = api_calls((STATIC / "api.js").read_text())


# ---- the page and its assets ---------------------------------------------------------------------

def test_root_redirects_to_the_dashboard(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"] == "/dashboard"


def test_the_page_is_html_under_a_strict_content_security_policy(client: TestClient) -> None:
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<title>Kairos</title>" in response.text


def test_the_dashboard_needs_no_key_but_the_api_does(client: TestClient) -> None:
    assert client.get("/dashboard").status_code == 200
    assert client.get(f"{BASE}/schedules").status_code == 401


EXPECTED_TYPES = {".js": ("text/javascript", "application/javascript"), ".css": ("text/css",),
                  ".svg": ("image/svg+xml",)}


def test_every_asset_the_page_references_is_served_with_its_type(client: TestClient) -> None:
    html = client.get("/dashboard").text
    urls = {url for _, url in page_references(html).urls if url.startswith("/static/")}
    urls |= set(script_graph(client))
    assert {"/static/app.js", "/static/style.css", "/static/api.js"} <= urls
    for url in sorted(urls):
        response = client.get(url)
        assert response.status_code == 200, url
        content_type = response.headers["content-type"].split(";")[0]
        assert content_type in EXPECTED_TYPES[Path(url).suffix], f"{url} served as {content_type}"
        assert response.content == static_path(url).read_bytes()
        assert response.headers["cache-control"] == "no-cache", "old and new modules must not mix"
        assert client.get(url, headers={"If-None-Match": response.headers["etag"]}).status_code == 304


def test_every_static_file_is_used_by_the_page(client: TestClient) -> None:
    html = client.get("/dashboard").text
    used = {url for _, url in page_references(html).urls} | set(script_graph(client))
    shipped = {f"/static/{p.name}" for p in STATIC.iterdir() if p.is_file() and p.name != "index.html"}
    assert shipped - used == set(), "files in static/ that nothing loads"


def test_a_missing_asset_is_a_404(client: TestClient) -> None:
    assert client.get("/static/nope.js").status_code == 404


def _foreign(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme and parts.scheme not in ("data", "blob")) or url.startswith("//")


def test_nothing_loads_from_another_origin_and_nothing_runs_inline(client: TestClient) -> None:
    refs = page_references(client.get("/dashboard").text)
    assert [url for _, url in refs.urls if _foreign(url)] == []
    assert refs.inline == [], "inline code or styles would be blocked by the policy"

    css = client.get("/static/style.css").text
    css_urls = [a or b for a, b in CSS_URL.findall(css)]
    assert [u for u in css_urls if _foreign(u)] == []

    svg = client.get("/static/favicon.svg").text
    assert not re.search(r"""(?:xlink:)?href\s*=\s*["'](?:https?:)?//""", svg)

    for url, source in script_graph(client).items():
        assert [s for s in IMPORT.findall(source) if _foreign(s)] == [], url
        assert not re.search(r"""\bimport\(\s*["'`](?:https?:)?//""", source), url
        assert not re.search(r"""\b(?:fetch|EventSource|WebSocket)\(\s*["'`](?:https?|wss?):""", source), url


def test_scripts_build_the_page_without_parsing_markup(client: TestClient) -> None:
    for url, source in script_graph(client).items():
        found = [sink for sink in MARKUP_SINKS if sink in source]
        assert found == [], f"{url} uses {found}: user data must go in as text"


# ---- the dashboard and the API agree --------------------------------------------------------------

def test_every_request_in_api_js_is_read_by_the_check(client: TestClient) -> None:
    api_js = script_graph(client)["/static/api.js"]
    assert api_calls(api_js) == API_JS_CALLS
    # Each `call(` / `callRoot(` is either a definition or one request the regex read; none slipped past it.
    assert api_js.count("call(") + api_js.count("callRoot(") == len(API_JS_CALLS) + 2
    assert len(API_JS_CALLS) >= 40

    called = set(API_JS_CALLS)
    for needed in [("GET", "/schedules"), ("POST", "/schedules"), ("DELETE", "/schedules/{}"),
                   ("POST", "/schedules/{}/trigger"), ("POST", "/schedules/{}/pause"),
                   ("POST", "/schedules/{}/resume"), ("POST", "/schedules/{}/enable"),
                   ("POST", "/schedules/{}/disable"), ("GET", "/schedules/{}/preview"),
                   ("POST", "/schedules:preview"), ("GET", "/jobs"), ("GET", "/jobs/{}"),
                   ("DELETE", "/jobs/{}"), ("GET", "/jobs/{}/results"), ("GET", "/me"),
                   ("GET", "/members"), ("POST", "/members"), ("PATCH", "/members/{}"), ("DELETE", "/members/{}"),
                   ("GET", "/api-keys"), ("POST", "/api-keys"), ("DELETE", "/api-keys/{}"), ("GET", "/audit-log"),
                   ("GET", "/strategies"), ("POST", "/strategies"), ("PATCH", "/strategies/{}"),
                   ("POST", "/strategies/{}/test"), ("POST", "/strategies:test"), ("GET", "/schedules/{}/changes"),
                   ("GET", "/schedules/{}/deliveries"), ("POST", "/schedules/{}/webhook-secret/regenerate")]:
        assert (needed[0], "/api/v1/workspaces/{}" + needed[1]) in called, needed
    for needed in [("POST", "/auth/login"), ("GET", "/auth/session"), ("POST", "/auth/logout"),
                   ("GET", "/workspaces"), ("POST", "/workspaces")]:
        assert (needed[0], "/api/v1" + needed[1]) in called, needed

    for url, source in script_graph(client).items():
        if url != "/static/api.js":
            assert "/api/" not in source and "fetch(" not in source, f"{url} talks to the API itself"


@pytest.mark.parametrize(("method", "route"), sorted(set(API_JS_CALLS)), ids=lambda v: str(v))
def test_the_script_calls_only_routes_and_methods_the_api_has(app: FastAPI, method: str, route: str) -> None:
    routes = {normalise(path): set(ops) for path, ops in app.openapi()["paths"].items()}
    assert route in routes, f"{method} {route}: no such route"
    assert method.lower() in routes[route], f"{method} {route}: the route has {sorted(routes[route])}"


def _query_parameters(app: FastAPI, path: str, method: str = "get") -> set[str]:
    operation = app.openapi()["paths"][f"/api/v1/workspaces/{{workspace}}{path}"][method]
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


def _filters(source: str) -> list[str]:
    match = re.search(r"const FILTERS = \[([^\]]*)\]", source)
    assert match is not None
    return re.findall(r'"([a-z_]+)"', match.group(1))


def test_the_list_filters_are_query_parameters_of_the_lists(client: TestClient, app: FastAPI) -> None:
    scripts = script_graph(client)
    schedule_params = _query_parameters(app, "/schedules")
    assert {*_filters(scripts["/static/schedules.js"]), "limit", "cursor"} <= schedule_params
    job_params = _query_parameters(app, "/jobs")
    assert {*_filters(scripts["/static/jobs.js"]), "limit", "cursor"} <= job_params
    assert "count" in _query_parameters(app, "/schedules/{schedule_id}/preview")
    assert "format" in _query_parameters(app, "/jobs/{job_id}/results")


def test_the_answers_the_dashboard_relies_on(client: TestClient) -> None:
    """Sign-in tells a bad key (401) from a wrong workspace (404); forms read `loc` as ["body", field]."""
    assert client.get(f"{BASE}/schedules", params={"limit": 1}, headers={"X-API-Key": "kr_wrong"}).status_code == 401
    missing = client.get("/api/v1/workspaces/nope/schedules", params={"limit": 1}, headers=HEADERS)
    assert missing.status_code == 404

    bad = client.post(f"{BASE}/schedules:preview", headers=HEADERS,
                      json={"trigger_type": "cron", "cron_expression": "0 99 * * *", "timezone": "UTC", "count": 5})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in bad.json()["errors"]] == [["body", "cron_expression"]]

    good = client.post(f"{BASE}/schedules:preview", headers=HEADERS,
                       json={"trigger_type": "cron", "cron_expression": "0 9 * * MON-FRI",
                             "timezone": "Europe/Berlin", "count": 5})
    assert good.status_code == 200
    assert len(good.json()["items"]) == 5
    assert good.json()["description"].startswith("At 09:00")


def test_a_schedule_made_the_way_the_form_sends_it_pages_and_acts(client: TestClient) -> None:
    """The create body the form builds, then the list, paging and row actions as the views use them."""
    ids = []
    for n in range(3):
        body = {"trigger_type": "cron", "cron_expression": "*/5 * * * *", "timezone": "Europe/Berlin",
                "name": f"report {n}", "task": "kairos.echo", "args": [n], "kwargs": {"x": n},
                "executor": "local", "overlap_policy": "skip", "misfire_policy": "run_once", "enabled": True}
        created = client.post(f"{BASE}/schedules", headers=HEADERS, json=body)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])

    first = client.get(f"{BASE}/schedules", headers=HEADERS,
                       params={"q": "report", "status": "active", "kind": "task", "trigger_type": "cron",
                               "enabled": "true", "limit": 2}).json()
    assert (first["total"], len(first["items"]), first["has_more"]) == (3, 2, True)
    second = client.get(f"{BASE}/schedules", headers=HEADERS,
                        params={"q": "report", "limit": 2, "cursor": first["next_cursor"]}).json()
    assert [s["id"] for s in first["items"] + second["items"]] == ids[::-1]

    target = ids[0]
    for action, field, value in [("pause", "status", "paused"), ("resume", "status", "active"),
                                 ("disable", "enabled", False), ("enable", "enabled", True)]:
        answer = client.post(f"{BASE}/schedules/{target}/{action}", headers=HEADERS)
        assert answer.status_code == 200 and answer.json()[field] == value, action
    job = client.post(f"{BASE}/schedules/{target}/trigger", headers=HEADERS)
    assert job.status_code == 201
    upcoming = client.get(f"{BASE}/schedules/{target}/preview", headers=HEADERS, params={"count": 10}).json()
    assert len(upcoming["items"]) == 10
    jobs = client.get(f"{BASE}/jobs", headers=HEADERS, params={"schedule_id": target, "limit": 10}).json()
    assert [j["id"] for j in jobs["items"]] == [job.json()["id"]]
    cancelled = client.delete(f"{BASE}/jobs/{job.json()['id']}", headers=HEADERS)
    assert cancelled.json()["status"] == "cancelled"
    assert client.delete(f"{BASE}/schedules/{target}", headers=HEADERS).status_code == 200


# ---- the scripts themselves, when Node.js is here -------------------------------------------------

def _node_module(source: str) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run([NODE, "--input-type=module", "--check"], input=source, capture_output=True,
                          text=True, timeout=60, check=False)


@needs_node
def test_every_script_is_valid_javascript() -> None:
    # `node --check file.js` passes broken ES modules on Node 20, so each one is fed as a module instead.
    assert _node_module("export const x = 1 +;\n").returncode != 0, "the check cannot fail"
    scripts = sorted(STATIC.glob("*.js"))
    assert scripts
    for script in scripts:
        result = _node_module(script.read_text())
        assert result.returncode == 0, f"{script.name}: {result.stderr}"


NODE_PROBE = """
import { ApiError } from "./api.js";
import { duration, shortId, relative } from "./format.js";
import { CursorPager } from "./widgets.js";

const pager = new CursorPager(2);
const trail = [JSON.stringify(pager.query())];
pager.loaded({ items: [1, 2], has_more: true, next_cursor: "c1" });
pager.next();
trail.push(JSON.stringify(pager.query()));
pager.loaded({ items: [3, 4], has_more: true, next_cursor: "c2" });
pager.next();
trail.push(JSON.stringify(pager.query()));
const lastPage = pager.loaded({ items: [5], has_more: false, next_cursor: null });
const canGoOn = pager.next();
pager.previous();
trail.push(JSON.stringify(pager.query()));
const emptied = pager.loaded({ items: [], has_more: false, next_cursor: null });

const problem = new ApiError(400, { title: "Bad Request", detail: "x", errors: [
  { loc: ["body", "cron_expression"], msg: "invalid cron expression: Bad hour" },
  { loc: ["body", "trigger", "minute"], msg: "must be a string" },
  { loc: ["body"], msg: "conflict" },
] });
console.log(JSON.stringify({
  trail, lastPage, canGoOn, emptied,
  fields: Object.fromEntries(problem.fieldErrors()),
  message: problem.message,
  network: new ApiError(0, null).title,
  durations: [0.25, 4.2, 42, 185, 7500, 90061].map(duration),
  short: shortId("sched_01a20215-1c78-708f-bb24-91868d12424f"),
  soon: relative(new Date(Date.now() + 3 * 60000).toISOString()),
  now: relative(new Date().toISOString()),
}));
"""


@needs_node
def test_paging_errors_and_formatting_behave_in_node(tmp_path: Path) -> None:
    for script in STATIC.glob("*.js"):
        shutil.copy(script, tmp_path / script.name)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "probe.js").write_text(NODE_PROBE)
    assert NODE is not None
    result = subprocess.run([NODE, "probe.js"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            check=False, env={"PATH": "/usr/bin:/bin", "TZ": "UTC", "LANG": "en_US.UTF-8"})
    assert result.returncode == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout)
    assert out["trail"] == ['{"limit":2}', '{"limit":2,"cursor":"c1"}', '{"limit":2,"cursor":"c2"}',
                            '{"limit":2,"cursor":"c1"}']
    assert (out["lastPage"], out["canGoOn"], out["emptied"]) == (True, False, False)
    assert out["fields"] == {"cron_expression": "invalid cron expression: Bad hour", "trigger": "must be a string"}
    assert out["message"] == "x"
    assert out["network"] == "Network error"
    assert out["durations"] == ["250 ms", "4.2 s", "42 s", "3 min 5 s", "2 h 5 min", "1 d 1 h"]
    assert out["short"] == "sched_…8d12424f"
    assert out["soon"] == "in 3 minutes"
    assert out["now"] == "now"
