"""The scraping and webhook pages' requests, sent by the dashboard's api.js in Node to a real Kairos
(API and worker) that scrapes a real local page and delivers to a real local receiver.

The bodies are the ones the pages build: the strategy editor's, the Test panel's, the schedule form's
scrape and webhook fields; the answers are read the way the pages read them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kairos.api.app import create_app
from kairos.api.auth import create_key
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.test_dashboard_session import NODE, run_probe, serve

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

PAGE = b"""<html><body>
<article class="post"><h2><a href="/a">Alpha</a></h2><span class="price">3</span></article>
<article class="post"><h2><a href="/b">Beta</a></h2><span class="price">5</span></article>
</body></html>"""


class _Site(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_GET(self) -> None:
        status, body = (200, PAGE) if self.path == "/posts" else (404, b"gone")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.received.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def local_site() -> Iterator[str]:
    """A page to scrape (`/posts`; anything else is a 404) and a webhook receiver (any POST)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def kairos_with_worker(store: SqlStore, tmp_path: Path, role: str = "operator") -> Iterator[dict[str, str]]:
    """Kairos with its API and worker loops, allowed to reach 127.0.0.1; a key of `role`."""
    workspace = store.ensure_workspace("default", "Default", utcnow())
    _, secret = create_key(store, workspace.id, name="dashboard", role=role, now=utcnow())
    settings = Settings(data_dir=tmp_path, allow_private_networks=True)
    app = create_app(Runtime.build(settings, store, frozenset({"api", "worker"})), start_loops=True)
    with serve(app) as url:
        yield {"url": url, "key": secret}


@pytest.fixture
def site() -> Iterator[str]:
    with local_site() as url:
        yield url


@pytest.fixture
def kairos(store: SqlStore, tmp_path: Path) -> Iterator[dict[str, str]]:
    with kairos_with_worker(store, tmp_path) as server:
        yield server


PROBE = r"""
const { ApiError, jobs, schedules, session, strategies } = await import("./api.js");
const { readChanges } = await import("./changes.js");
const SITE = process.env.SITE;
session.useKey(process.env.KEY, "default");
const out = {};
const problem = async (promise) => {
  try {
    await promise;
    return null;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { status: error.status, text: [error.detail, ...error.errors.map((e) => e.msg)].join(" | ") };
  }
};
const until = async (what, check) => {
  for (let n = 0; n < 600; n += 1) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
};

// The strategy editor's body: type, item selector, fields from the fields editor, no request.
const edited = {
  name: "Posts", description: "", type: "css", item: "article.post",
  fields: {
    title: { selector: "h2 a::text" }, link: { selector: "h2 a", attr: "href" }, price: { selector: ".price::text" },
  },
  parameters: {}, request: null,
};
const html = new TextDecoder().decode(new Uint8Array(JSON.parse(process.env.PAGE)));
const inline = await strategies.testUnsaved({ html, strategy: edited });
out.inline = { count: inline.count, titles: inline.items.map((i) => i.title), links: inline.items.map((i) => i.link) };
out.nothingMatched = await problem(strategies.testUnsaved({ html, strategy: { ...edited, item: "div.missing" } }));

const saved = await strategies.create(edited);
out.saved = { type: saved.type, fields: Object.keys(saved.fields).sort() };
out.listed = (await strategies.list({ limit: 50 })).items.map((s) => s.name);
const fetched = await strategies.test(saved.id, { url: `${SITE}/posts` });
out.fetched = fetched.items.map((i) => i.title);
out.fetchFailed = await problem(strategies.test(saved.id, { url: `${SITE}/missing` }));
const patched = await strategies.update(saved.id, { ...edited, description: "blog posts" });
out.patched = patched.description;

// The schedule form's body for kind scrape with a webhook.
const created = await schedules.create({
  trigger_type: "interval", interval_seconds: 3600, name: "watch posts", kind: "scrape",
  strategy_id: saved.id, url: `${SITE}/posts`, webhook_url: `${SITE}/hook`, webhook_metadata: { team: "data" },
  overlap_policy: "skip", misfire_policy: "run_once", enabled: true,
});
out.secretOnCreate = typeof created.webhook_secret === "string" && created.webhook_secret.startsWith("whsec_");
const again = await schedules.get(created.id);
out.secretOnGet = again.webhook_secret ?? null;
out.webhookType = again.webhook_type;
out.badStrategy = await problem(schedules.create({
  trigger_type: "interval", interval_seconds: 3600, kind: "scrape", strategy_id: "strat_nope", url: `${SITE}/posts`,
}));

const job = await schedules.trigger(created.id);
const done = await until("the scrape job", async () => {
  const j = await jobs.get(job.id);
  return ["completed", "failed"].includes(j.status) ? j : null;
});
out.job = {
  status: done.status, pages: done.result.pages.map((p) => [p.url.replace(SITE, ""), p.status, p.http_status]),
};
const items = await jobs.items(job.id);
out.items = items.items.map((i) => i.title);

const previewAnswer = await schedules.changes(created.id, { mark_seen: false, filter: "+alpha", limit: 20 });
const preview = readChanges(previewAnswer);
out.preview = { count: previewAnswer.count, marked: preview.marked, filter: previewAnswer.filter_applied,
  results: preview.items.map((c) => c.results.map((i) => i.title)), added: preview.items.map((c) => c.added.length) };
out.marked = readChanges(await schedules.changes(created.id, { mark_seen: true, filter: "+alpha", limit: 20 })).marked;
out.afterMark = readChanges(await schedules.changes(created.id, { mark_seen: false, limit: 20 })).items.length;
out.badFilter = await problem(schedules.changes(created.id, { mark_seen: false, filter: "title:(", limit: 20 }));

const delivery = await until("the webhook delivery", async () => {
  const page = await schedules.deliveries(created.id, { limit: 25 });
  const found = page.items.find((d) => d.status !== "pending");
  return found || null;
});
out.delivery = {
  status: delivery.status, job: delivery.job_id === job.id, codes: delivery.attempts.map((a) => a.status_code),
};

const regenerated = await schedules.regenerateSecret(created.id);
const newSecret = regenerated.webhook_secret;
out.regenerated = newSecret.startsWith("whsec_") && newSecret !== created.webhook_secret;
console.log(JSON.stringify(out));
"""


def test_the_scraping_pages_requests_work_end_to_end(
        tmp_path: Path, site: str, kairos: dict[str, str]) -> None:
    out = run_probe(tmp_path, PROBE, {"KAIROS_URL": kairos["url"], "KEY": kairos["key"], "SITE": site,
                                      "PAGE": str(list(PAGE))})

    # The Test panel: an unsaved strategy on pasted HTML, and the error that names the selector.
    assert out["inline"] == {"count": 2, "titles": ["Alpha", "Beta"], "links": ["/a", "/b"]}
    assert out["nothingMatched"]["status"] == 400
    assert "div.missing" in out["nothingMatched"]["text"]

    # The editor saves; the saved strategy is tested on a URL; a failed fetch names the URL.
    assert out["saved"] == {"type": "css", "fields": ["link", "price", "title"]}
    assert out["listed"] == ["Posts"]
    assert out["fetched"] == ["Alpha", "Beta"]
    assert out["fetchFailed"]["status"] == 400
    assert "/missing" in out["fetchFailed"]["text"]
    assert out["patched"] == "blog posts"

    # The schedule form: the secret once, never on GET; an unknown strategy is named.
    assert out["secretOnCreate"] is True
    assert out["secretOnGet"] is None
    assert out["webhookType"] == "standard"
    assert out["badStrategy"]["status"] == 400 and "strategy_id" in out["badStrategy"]["text"]

    # The job page: one outcome per URL, and the stored items.
    assert out["job"] == {"status": "completed", "pages": [["/posts", "ok", 200]]}
    assert out["items"] == ["Alpha", "Beta"]

    # The Changes tab: the preview marks nothing; "mark seen" does; a bad filter is a 400.
    assert out["preview"] == {"count": 1, "marked": 0, "filter": "+alpha", "results": [["Alpha"]], "added": [1]}
    assert out["marked"] == 1
    assert out["afterMark"] == 0
    assert out["badFilter"]["status"] == 400

    # The Deliveries tab, and regenerating the secret.
    assert out["delivery"] == {"status": "delivered", "job": True, "codes": [204]}
    assert out["regenerated"] is True
