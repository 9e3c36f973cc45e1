"""Every page of the dashboard, rendered in Node against a real Kairos and clicked through.

No browser is installed here, so the pages run on a small stand-in for the DOM that implements what
the dashboard's modules use (elements, text nodes, attributes, events, simple selectors). It cannot
show layout; it does run every line a page runs to draw itself and to handle a form, so a missing
import, a misspelt field or a request the server refuses fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kairos.api.passwords import hash_password
from kairos.ids import new_id
from kairos.store.access import User
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.test_dashboard_scraping import PAGE, kairos_with_worker, local_site
from tests.integration.test_dashboard_session import NODE, run_probe

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

FAKE_DOM = r"""
const kebab = (key) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
class FakeNode {
  constructor() { this.childNodes = []; this.parentNode = null; }
  appendChild(child) {
    if (child.parentNode) child.parentNode.removeChild(child);
    child.parentNode = this;
    this.childNodes.push(child);
    return child;
  }
  removeChild(child) {
    this.childNodes = this.childNodes.filter((c) => c !== child);
    child.parentNode = null;
    return child;
  }
  remove() { if (this.parentNode) this.parentNode.removeChild(this); }
  replaceChildren(...nodes) {
    for (const c of this.childNodes) c.parentNode = null;
    this.childNodes = [];
    for (const n of nodes) this.appendChild(typeof n === "string" ? new FakeText(n) : n);
  }
  get children() { return this.childNodes.filter((c) => c instanceof FakeElement); }
  get textContent() { return this.childNodes.map((c) => c.textContent).join(""); }
  set textContent(value) { this.replaceChildren(new FakeText(value)); }
}
class FakeText extends FakeNode {
  constructor(text) { super(); this.data = String(text); }
  get textContent() { return this.data; }
  set textContent(value) { this.data = String(value); }
}
function matches(el, selector) {
  return selector.split(",").some((part) => {
    const sel = part.trim();
    const tag = sel.match(/^[a-z][a-z0-9-]*/i);
    if (tag && el.tagName !== tag[0].toUpperCase()) return false;
    for (const [, name] of sel.matchAll(/\.([\w-]+)/g)) if (!el.classList.contains(name)) return false;
    for (const [, name, , value] of sel.matchAll(/\[([\w-]+)(=["']?([^"'\]]*)["']?)?\]/g)) {
      // `value` is a property once set from a script, as in a browser's form controls.
      const actual = name === "value" ? el.value : el.getAttribute(name);
      if (name !== "value" && !el.hasAttribute(name)) return false;
      if (value !== undefined && actual !== value) return false;
    }
    return true;
  });
}
class FakeElement extends FakeNode {
  constructor(tag) {
    super();
    this.tagName = tag.toUpperCase();
    this.attributes = new Map();
    this.listeners = {};
    this.style = {};
    this.checked = false;
    this.selected = false;
    this._value = "";
    this.dataset = new Proxy({}, {
      get: (_, key) => this.getAttribute(`data-${kebab(String(key))}`) ?? undefined,
      set: (_, key, value) => { this.setAttribute(`data-${kebab(String(key))}`, value); return true; },
    });
    const self = this;
    this.classList = {
      contains: (n) => (self.getAttribute("class") || "").split(/\s+/).includes(n),
      add: (...ns) => {
        const names = self.className.split(/\s+/).filter(Boolean);
        self.setAttribute("class", [...names, ...ns.filter((n) => !names.includes(n))].join(" "));
      },
      remove: (...ns) => {
        self.setAttribute("class", self.className.split(/\s+/).filter((c) => c && !ns.includes(c)).join(" "));
      },
      toggle: (n, on) => ((on ?? !self.classList.contains(n)) ? self.classList.add(n) : self.classList.remove(n)),
    };
  }
  setAttribute(name, value) { this.attributes.set(name, String(value)); }
  getAttribute(name) { return this.attributes.has(name) ? this.attributes.get(name) : null; }
  hasAttribute(name) { return this.attributes.has(name); }
  removeAttribute(name) { this.attributes.delete(name); }
  get className() { return this.getAttribute("class") || ""; }
  set className(value) { this.setAttribute("class", value); }
  get id() { return this.getAttribute("id") || ""; }
  get hidden() { return this.hasAttribute("hidden"); }
  set hidden(on) { if (on) this.setAttribute("hidden", ""); else this.removeAttribute("hidden"); }
  get disabled() { return this.hasAttribute("disabled"); }
  set disabled(on) { if (on) this.setAttribute("disabled", ""); else this.removeAttribute("disabled"); }
  get value() {
    if (this.tagName !== "SELECT") return this._value;
    const options = this.querySelectorAll("option");
    const chosen = options.find((o) => o.selected) || options[0];
    return chosen ? chosen.value : "";
  }
  set value(v) {
    if (this.tagName === "SELECT") for (const o of this.querySelectorAll("option")) o.selected = o.value === String(v);
    else this._value = String(v);
  }
  get textContent() { return super.textContent; }
  set textContent(value) { super.textContent = value; }
  addEventListener(type, fn) { (this.listeners[type] ||= []).push(fn); }
  dispatchEvent(event) {
    let node = this;
    event.target = this;
    event.defaultPrevented = false;
    event.preventDefault = () => { event.defaultPrevented = true; };
    while (node) {
      event.currentTarget = node;
      for (const fn of (node.listeners || {})[event.type] || []) fn(event);
      node = event.bubbles === false ? null : node.parentNode;
    }
  }
  click() { this.dispatchEvent({ type: "click" }); }
  focus() {}
  select() {}
  showModal() {}
  querySelectorAll(selector) {
    const found = [];
    const walk = (node) => {
      for (const child of node.children) {
        if (matches(child, selector)) found.push(child);
        walk(child);
      }
    };
    walk(this);
    return found;
  }
  querySelector(selector) { return this.querySelectorAll(selector)[0] || null; }
  closest(selector) {
    for (let node = this; node instanceof FakeElement; node = node.parentNode) if (matches(node, selector)) return node;
    return null;
  }
}
globalThis.Node = FakeNode;
const body = new FakeElement("body");
globalThis.document = {
  body, title: "", hidden: false,
  createElement: (tag) => new FakeElement(tag),
  createTextNode: (text) => new FakeText(text),
  getElementById: () => null,
  addEventListener() {},
  querySelector: (s) => body.querySelector(s),
  querySelectorAll: (s) => body.querySelectorAll(s),
};
globalThis.window = { addEventListener() {}, confirm: () => true };
globalThis.location = { hash: "" };
globalThis.history = { replaceState() {} };
globalThis.CSS = { escape: (s) => String(s).replace(/["\\]/g, "\\$&") };
globalThis.URL.createObjectURL = () => "blob:fake";
globalThis.URL.revokeObjectURL = () => {};
"""

PROBE = r"""
const api = await import("./api.js");
const { can } = await import("./access.js");
const { session } = api;
session.useKey(process.env.KEY, "default");
await (await import("./access.js")).loadMe();

const failures = [];
const toasts = [];
const navigations = [];
function page(factory, params = [], query = "") {
  const root = document.createElement("div");
  document.body.replaceChildren(root);
  const ctx = {
    root, params, query: new URLSearchParams(query), can,
    refresh: () => (view && view.refresh
      ? view.refresh().catch((e) => failures.push(`${factory.name}: ${e.stack || e}`)) : null),
    fail: (error) => failures.push(`${factory.name}: ${error && (error.stack || error.message || error)}`),
    notify: (text) => toasts.push(text),
    confirm: async () => true,
    navigate: (hash) => navigations.push(hash),
    setTitle: () => {}, setQuery: () => {}, switchWorkspace: () => {},
  };
  const view = factory(ctx);
  return { root, view, ctx };
}
async function show(factory, params, query) {
  const p = page(factory, params, query);
  if (p.view.refresh) await p.view.refresh();
  return p;
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
async function until(what, check) {
  for (let n = 0; n < 400; n += 1) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}
const text = (p) => p.root.textContent;
const submit = (form) => form.dispatchEvent({ type: "submit" });
const out = {};

const { strategyEditor } = await import("./strategy-form.js");
const { strategyList } = await import("./strategies.js");
const { scheduleForm } = await import("./schedule-form.js");
const { scheduleDetail, scheduleList } = await import("./schedules.js");
const { jobDetail, jobList } = await import("./jobs.js");
const { keysPage } = await import("./keys.js");
const { membersPage } = await import("./members.js");
const { auditPage } = await import("./audit.js");
const { workspaceForm } = await import("./access.js");
const { signInScreen } = await import("./auth.js");

// A new strategy: fill the editor, test the unsaved form on pasted HTML, then create it.
const editor = await show(strategyEditor, []);
const inputs = editor.root.querySelectorAll("input");
inputs[0].value = "Posts";                                      // name
editor.root.querySelector('input[data-field="item"]').value = "article.post";
const row = editor.root.querySelector("tbody tr");
row.querySelectorAll("input")[0].value = "title";
row.querySelectorAll("input")[1].value = "h2 a::text";
const html = new TextDecoder().decode(new Uint8Array(JSON.parse(process.env.PAGE)));
editor.root.querySelector('input[value="html"]').dispatchEvent({ type: "change" });
editor.root.querySelector('textarea[data-field="document"]').value = html;
const testButton = editor.root.querySelectorAll("button").find((b) => b.textContent === "Test");
testButton.click();
out.testPanel = await until("the test result", () => /2 items/.test(text(editor)) && text(editor));
submit(editor.root.querySelector("form"));
const strategyHash = await until("the new strategy", () => navigations.find((h) => h.startsWith("#/strategies/")));
const strategyId = decodeURIComponent(strategyHash.split("/")[2]);
out.strategyList = text(await show(strategyList));
out.strategyOpened = text(await show(strategyEditor, [strategyId]));

// A scrape schedule from the form, with a webhook; the secret waits for the schedule's page.
const form = await show(scheduleForm);
const scrapeKind = form.root.querySelector('input[name="what"][value="scrape"]');
scrapeKind.checked = true;
scrapeKind.dispatchEvent({ type: "change" });
const picker = form.root.querySelector('select[data-field="strategy_id"]');
await until("the strategy picker", () => picker.querySelectorAll("option").length > 1);
picker.value = strategyId;
form.root.querySelector('textarea[data-field="url"]').value = `${process.env.SITE}/posts`;
form.root.querySelector('input[data-field="cron_expression"]').value = "0 9 * * *";
form.root.querySelector('input[data-field="webhook_url"]').value = `${process.env.SITE}/hook`;
form.root.querySelector('textarea[data-field="webhook_metadata"]').value = '{"team": "data"}';
submit(form.root.querySelector("form"));
const scheduleHash = await until("the new schedule", () => navigations.find((h) => h.startsWith("#/schedules/")));
const scheduleId = decodeURIComponent(scheduleHash.split("/")[2]);

const detail = await show(scheduleDetail, [scheduleId]);
out.secretShown = detail.root.querySelector("input.secret__value").value;
out.secretAgain = (await show(scheduleDetail, [scheduleId])).root.querySelector("input.secret__value");
const runNow = detail.root.querySelectorAll("button").find((b) => b.textContent === "Run now");
runNow.click();
await until("the trigger", () => toasts.some((t) => t.startsWith("Triggered")));
const jobId = (await api.jobs.list({ schedule_id: scheduleId })).items[0].id;
await until("the job to finish", async () => (await api.jobs.get(jobId)).status === "completed");
out.overview = text(await show(scheduleDetail, [scheduleId]));
out.scheduleList = text(await show(scheduleList));
out.changesTab = text(await show(scheduleDetail, [scheduleId], "tab=changes"));
const markSeenOf = (p) => p.root.querySelectorAll("button").find((b) => b.textContent === "Mark seen");
const filtered = await show(scheduleDetail, [scheduleId], "tab=changes&filter=alpha");
out.markSeenFiltered = { disabled: markSeenOf(filtered).disabled, unseen: /1 unseen/.test(text(filtered)) };
const unfiltered = await show(scheduleDetail, [scheduleId], "tab=changes");
out.markSeenUnfiltered = markSeenOf(unfiltered).disabled;
markSeenOf(unfiltered).click();
out.markedToast = await until("the mark-seen answer", () => toasts.find((t) => t.startsWith("Marked")));
await until("the delivery",
  async () => (await api.schedules.deliveries(scheduleId)).items.some((d) => d.status === "delivered"));
out.deliveriesTab = text(await show(scheduleDetail, [scheduleId], "tab=deliveries"));

const job = await show(jobDetail, [jobId]);
out.jobDetail = await until("the job's items", () => /2 items stored/.test(text(job)) && text(job));
out.jobList = text(await show(jobList));

// Admin pages: create a key (its secret shown once), list members, read the audit log.
const keys = await show(keysPage);
keys.root.querySelector('input[type="text"]').value = "ci";
submit(keys.root.querySelector("form"));
out.keySecret = await until("the key's secret", () => {
  const shown = keys.root.querySelector("input.secret__value");
  return shown && shown.value;
});
// The list refreshes after the create answer: wait for the new key's prefix in it.
out.keysPage = await until("the new key in the list",
  () => text(keys).includes(out.keySecret.slice(0, 8)) && text(keys));
out.membersPage = text(await show(membersPage));
out.auditPage = text(await show(auditPage));
out.workspaceForm = text(page(workspaceForm));

// What each role is offered on the same pages (the key is an admin's; only the role the page reads changes).
const buttons = (p) => p.root.querySelectorAll("button, a.btn").map((b) => b.textContent).filter(Boolean);
out.offered = {};
for (const role of ["viewer", "operator", "admin"]) {
  session.me = { ...session.me, role };
  out.offered[role] = {
    schedule: buttons(await show(scheduleDetail, [scheduleId])),
    list: buttons(await show(scheduleList)),
    strategy: (await show(strategyEditor, [strategyId])).root.querySelector("form").querySelectorAll("input")
      .every((i) => i.disabled),
    keysNav: can("admin"),
  };
}

const signIn = document.createElement("div");
signInScreen(signIn, { onSignedIn: () => {} });
out.signIn = signIn.textContent;
await settle();
out.failures = failures;
out.toasts = toasts;
console.log(JSON.stringify(out));
"""


@pytest.fixture
def admin_kairos(store: SqlStore, tmp_path: Path) -> Iterator[dict[str, str]]:
    with local_site() as site, kairos_with_worker(store, tmp_path, role="admin") as server:
        yield {**server, "site": site}


def test_every_page_renders_and_its_forms_work_against_a_real_kairos(
        tmp_path: Path, admin_kairos: dict[str, str]) -> None:
    out = run_probe(tmp_path, FAKE_DOM + PROBE, {
        "KAIROS_URL": admin_kairos["url"], "KEY": admin_kairos["key"], "SITE": admin_kairos["site"],
        "PAGE": str(list(PAGE))})
    assert out["failures"] == []

    assert "Alpha" in out["testPanel"] and "as edited, unsaved" in out["testPanel"]
    assert "Posts" in out["strategyList"] and "article.post" in out["strategyList"]
    assert "Posts" in out["strategyOpened"] and "Test" in out["strategyOpened"]

    assert out["secretShown"].startswith("whsec_")
    assert out["secretAgain"] is None, "the webhook secret is shown once"
    assert "Webhook" in out["overview"] and "/hook" in out["overview"] and "/posts" in out["overview"]
    assert "scrape" in out["scheduleList"]
    assert "Added (2)" in out["changesTab"] and "Alpha" in out["changesTab"] and "1 unseen" in out["changesTab"]
    # Marking is offered on the unfiltered feed only, and marks what the preview showed.
    assert out["markSeenFiltered"] == {"disabled": True, "unseen": True}
    assert out["markSeenUnfiltered"] is False
    assert out["markedToast"] == "Marked 1 run as seen."
    assert "delivered" in out["deliveriesTab"] and "204" in out["deliveriesTab"]

    assert "Pages (1)" in out["jobDetail"] and "/posts" in out["jobDetail"] and "Beta" in out["jobDetail"]
    assert "completed" in out["jobList"]

    assert out["keySecret"].startswith("kr_")
    assert "you will not see it again" in out["keysPage"]
    assert "Add a member" in out["membersPage"]
    assert "api_key" in out["auditPage"] or "schedule" in out["auditPage"]
    assert "Slug" in out["workspaceForm"]
    assert "Use an API key instead" in out["signIn"] and "Password" in out["signIn"]
    assert any(t.startswith("Created") for t in out["toasts"])

    offered = out["offered"]
    assert not {"Run now", "Pause", "Disable", "Delete", "New schedule"} & {
        *offered["viewer"]["schedule"], *offered["viewer"]["list"]}
    assert "Regenerate webhook secret" not in offered["viewer"]["schedule"]
    assert {"Run now", "Pause", "Disable", "Regenerate webhook secret"} <= set(offered["operator"]["schedule"])
    assert "Delete" not in offered["operator"]["schedule"] + offered["operator"]["list"]
    assert "New schedule" in offered["operator"]["list"]
    assert "Delete" in offered["admin"]["schedule"]
    assert [offered[r]["strategy"] for r in ("viewer", "operator", "admin")] == [True, False, False]
    assert [offered[r]["keysNav"] for r in ("viewer", "operator", "admin")] == [False, False, True]


SHELL_PROBE = r"""
// The page's fixed elements, as index.html has them.
const byId = new Map();
for (const id of ["banner", "banner-close", "banner-detail", "banner-list", "banner-title", "confirm", "confirm-body",
  "confirm-dismiss", "confirm-ok", "confirm-title", "nav", "session", "session-who", "session-workspace", "sign-out",
  "toasts", "view"]) {
  const el = document.createElement("div");
  el.setAttribute("id", id);
  byId.set(id, el);
  document.body.appendChild(el);
}
for (const [section, needs] of [["schedules"], ["jobs"], ["strategies"], ["keys", "admin"], ["members", "admin"],
  ["audit", "admin"]]) {
  const link = document.createElement("a");
  link.dataset.section = section;
  if (needs) link.dataset.needs = needs;
  byId.get("nav").appendChild(link);
}
document.getElementById = (id) => byId.get(id) || null;
location.hash = "#/schedules";
const view = byId.get("view");
async function until(what, check) {
  for (let n = 0; n < 400; n += 1) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}: ${view.textContent.slice(0, 300)}`);
}
const out = {};

await import("./app.js");
await until("the sign-in screen", () => view.querySelector('input[name="email"]'));
out.signedOutNav = byId.get("nav").hidden;
const form = view.querySelector('form[data-form="password"]');
form.querySelector('input[name="email"]').value = process.env.EMAIL;
form.querySelector('input[name="password"]').value = "not it";
form.dispatchEvent({ type: "submit" });
out.wrong = await until("the refusal", () => form.querySelector('[data-error-for="form"]').textContent);
form.querySelector('input[name="password"]').value = process.env.PASSWORD;
form.dispatchEvent({ type: "submit" });
out.listed = await until("the schedules", () => view.textContent.includes("No schedules yet.") && view.textContent);
out.who = byId.get("session-who").textContent;
out.picker = byId.get("session-workspace").querySelectorAll("option").map((o) => o.textContent);
out.nav = byId.get("nav").querySelectorAll("a").filter((a) => !a.hidden).map((a) => a.dataset.section);

byId.get("sign-out").click();
await until("the sign-in screen again", () => view.querySelector('input[name="email"]'));
const { auth, ApiError } = await import("./api.js");
out.sessionAfter = await auth.session().then(() => 200, (e) => (e instanceof ApiError ? e.status : String(e)));
out.nav_after = byId.get("nav").hidden;
console.log(JSON.stringify(out));
process.exit(0);
"""


def test_the_shell_signs_a_person_in_shows_their_role_and_signs_out(
        tmp_path: Path, store: SqlStore, admin_kairos: dict[str, str]) -> None:
    now = utcnow()
    user = User(id=new_id("usr"), email="member@example.com", created_at=now)
    store.add_user(user, hash_password("a long enough password"))
    store.add_member(store.get_workspace("default").id, user.id, "operator", now)

    out = run_probe(tmp_path, FAKE_DOM + SHELL_PROBE, {
        "KAIROS_URL": admin_kairos["url"], "EMAIL": user.email, "PASSWORD": "a long enough password"})

    assert out["signedOutNav"] is True
    assert out["wrong"] == "Wrong email or password."
    assert "No schedules yet." in out["listed"] and "New schedule" in out["listed"]
    assert "member@example.com" in out["who"] and "operator" in out["who"]
    assert out["picker"] == ["Default (default) · operator", "New workspace…"]
    assert out["nav"] == ["schedules", "jobs", "strategies"], "an operator sees no admin pages"
    assert out["sessionAfter"] == 401
    assert out["nav_after"] is True
