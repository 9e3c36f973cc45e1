// The dashboard shell: sign-in, the workspace switcher, the hash router, the error banner, toasts,
// confirmations, and the loop that keeps the current view fresh.

import { can, loadMe, reachableWorkspaces, workspaceForm, workspaceSwitcher } from "./access.js";
import { ApiError, session } from "./api.js";
import { auditPage } from "./audit.js";
import { endSession, resumeCookieSession, signInScreen } from "./auth.js";
import { fill, h } from "./dom.js";
import { LOCAL_ZONE, setTimeMode, timeMode } from "./format.js";
import { jobDetail, jobList } from "./jobs.js";
import { keysPage } from "./keys.js";
import { linksPage } from "./links.js";
import { membersPage } from "./members.js";
import { forgetNames } from "./names.js";
import { redditPost, redditPosts } from "./reddit.js";
import { scheduleForm } from "./schedule-form.js";
import { scheduleDetail, scheduleList } from "./schedules.js";
import { strategyList } from "./strategies.js";
import { strategyEditor } from "./strategy-form.js";

const REFRESH_MS = 5000;
const HIDDEN_REFRESH_MS = 30000;

// [pattern, view, nav section, the least role that may open it]
const ROUTES = [
  [/^\/schedules\/new$/, scheduleForm, "schedules", "operator"],
  [/^\/schedules\/([^/]+)\/edit$/, scheduleForm, "schedules", "operator"],
  [/^\/schedules\/([^/]+)$/, scheduleDetail, "schedules", "viewer"],
  [/^\/schedules$/, scheduleList, "schedules", "viewer"],
  [/^\/jobs\/([^/]+)$/, jobDetail, "jobs", "viewer"],
  [/^\/jobs$/, jobList, "jobs", "viewer"],
  [/^\/strategies\/new$/, strategyEditor, "strategies", "operator"],
  [/^\/strategies\/([^/]+)$/, strategyEditor, "strategies", "viewer"],
  [/^\/strategies$/, strategyList, "strategies", "viewer"],
  [/^\/reddit\/([^/]+)$/, redditPost, "reddit", "viewer"],
  [/^\/reddit$/, redditPosts, "reddit", "viewer"],
  [/^\/links$/, linksPage, "links", "viewer"],
  [/^\/keys$/, keysPage, "keys", "admin"],
  [/^\/members$/, membersPage, "members", "admin"],
  [/^\/audit$/, auditPage, "audit", "admin"],
  [/^\/workspaces\/new$/, workspaceForm, null, "viewer"],
];

const $ = (id) => document.getElementById(id);

// ---- banner, toasts, confirmation --------------------------------------------------------

let bannerSource = null;

function showBanner(title, detail, items = [], source = "action") {
  bannerSource = source;
  $("banner-title").textContent = title;
  $("banner-detail").textContent = detail && detail !== title ? detail : "";
  fill($("banner-list"), items.map((item) => h("li", null, item)));
  $("banner").hidden = false;
}

function hideBanner(source = null) {
  if (source && bannerSource !== source) return;
  $("banner").hidden = true;
  bannerSource = null;
}

function notify(message, { link = null, tone = "ok" } = {}) {
  const toast = h("div", { class: ["toast", `toast--${tone}`], role: "status" }, message,
    link ? [" ", h("a", { href: link.href }, link.text)] : null);
  $("toasts").appendChild(toast);
  setTimeout(() => toast.classList.add("toast--leaving"), 4500);
  setTimeout(() => toast.remove(), 5000);
}

function confirmDialog({ title, body = "", confirmLabel = "Confirm", dismissLabel = "Cancel", danger = true }) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-body").textContent = body;
  $("confirm-dismiss").textContent = dismissLabel;
  const ok = $("confirm-ok");
  ok.textContent = confirmLabel;
  ok.className = danger ? "btn btn--danger" : "btn btn--primary";
  if (typeof dialog.showModal !== "function") return Promise.resolve(window.confirm(`${title}\n\n${body}`));
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
  });
}

/** Report a failed request: a 401 returns to sign-in, a 429 says how long to wait, anything else goes to the banner. */
function fail(error, source = "action") {
  if (error && error.name === "AbortError") return;
  if (error instanceof ApiError) {
    if (error.status === 401) {
      signOut(session.current && session.current.mode === "key"
        ? "Your API key was not accepted; it may have been revoked or expired. Sign in again."
        : "Your session has ended. Sign in again.");
      return;
    }
    if (error.status === 429) {
      const wait = error.retryAfter ? `Try again in ${error.retryAfter} seconds.` : "Try again in a moment.";
      showBanner("Too many requests", wait, [], source);
      return;
    }
    const lines = error.errors
      .filter((e) => e && e.msg)
      .map((e) => `${(e.loc || []).filter((p) => p !== "body" && p !== "query").join(".") || "request"}: ${e.msg}`);
    // With field errors the list says it all; the `detail` only joins the same messages.
    showBanner(error.title, lines.length ? "" : error.detail, lines, source);
    return;
  }
  showBanner("Something went wrong", String((error && error.message) || error), [], source);
  console.error(error);
}

// ---- the current view and its refresh loop -------------------------------------------------

let current = null;
let timer = null;
let running = false;
let again = false;

async function refresh() {
  if (!current || !current.view.refresh) return;
  if (running) {
    again = true;
    return;
  }
  clearTimeout(timer);
  running = true;
  const mounted = current;
  let delay = REFRESH_MS;
  try {
    const answer = await mounted.view.refresh();
    if (answer && answer.interval) delay = answer.interval;
    if (answer && answer.stop) delay = null;
    hideBanner("refresh");
  } catch (error) {
    fail(error, "refresh");
  } finally {
    running = false;
  }
  if (again || mounted !== current) {
    again = false;
    refresh();
    return;
  }
  if (delay !== null) timer = setTimeout(refresh, document.hidden ? HIDDEN_REFRESH_MS : delay);
}

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/schedules";
  const [path, search = ""] = raw.split("?");
  return { path, query: new URLSearchParams(search) };
}

function route() {
  clearTimeout(timer);
  forgetNames();
  if (current && current.view.dispose) current.view.dispose();
  current = null;
  hideBanner();
  if (!session.current) {
    showSignIn();
    return;
  }
  const { path, query } = parseHash();
  if (!session.current.workspace && path !== "/workspaces/new") {
    location.hash = "#/workspaces/new";
    return;
  }
  const match = ROUTES.map(([pattern, ...rest]) => [path.match(pattern), ...rest]).find(([m]) => m);
  const root = h("div", { class: "view" });
  fill($("view"), root);
  for (const link of document.querySelectorAll("[data-section]")) {
    link.classList.toggle("is-current", Boolean(match) && link.dataset.section === match[2]);
  }
  if (!match) {
    document.title = "Not found · Kairos";
    fill(root, h("div", { class: "empty" }, h("p", { class: "empty__title" }, "There is no page here."),
      h("a", { href: "#/schedules" }, "Go to schedules")));
    return;
  }
  const [found, factory, , needs] = match;
  if (!can(needs)) {
    document.title = "Not allowed · Kairos";
    fill(root, h("div", { class: "empty" },
      h("p", { class: "empty__title" }, `This page needs the ${needs} role.`),
      h("p", { class: "muted" }, `Your role in this workspace is ${session.me.role}.`),
      h("a", { href: "#/schedules" }, "Go to schedules")));
    return;
  }
  const params = found.slice(1).map((part) => decodeURIComponent(part));
  const ctx = {
    root,
    params,
    query,
    refresh,
    fail,
    notify,
    can,
    confirm: confirmDialog,
    switchWorkspace,
    navigate: (hash) => { location.hash = hash; },
    setTitle: (text) => { document.title = `${text} · Kairos`; },
    // Filters live in the URL so a reload or a shared link shows the same list,
    // without re-mounting the view (replaceState fires no hashchange).
    setQuery: (values) => {
      // A view left since (a late timer, an answer arriving after) must not rewrite the next one's URL.
      if (!current || current.ctx !== ctx) return;
      const next = new URLSearchParams();
      for (const [name, value] of Object.entries(values)) if (value) next.set(name, value);
      const text = next.toString();
      history.replaceState(null, "", `#${path}${text ? `?${text}` : ""}`);
    },
  };
  current = { ctx, view: {} };
  current.view = factory(ctx);
  refresh();
}

// ---- signing in and out, and switching workspaces ------------------------------------------------

let workspaceList = [];

function showSession() {
  const signedIn = Boolean(session.current);
  $("nav").hidden = !signedIn;
  $("session").hidden = !signedIn;
  if (!signedIn) return;
  for (const link of document.querySelectorAll("[data-needs]")) link.hidden = !can(link.dataset.needs);
  const slug = session.current.workspace || "";
  fill($("session-workspace"), workspaceList.length > 1 || session.current.mode === "cookie"
    ? workspaceSwitcher(workspaceList, slug, switchWorkspace)
    : h("span", null, h("span", { class: "muted" }, "Workspace "), h("strong", null, slug)));
  const who = session.me || {};
  const label = session.current.mode === "key"
    ? (who.label || maskKey(session.current.apiKey))
    : (session.current.user && session.current.user.email) || who.label || "";
  fill($("session-who"), h("span", { class: "session__label", title: session.current.mode === "key"
    ? "The API key this browser uses" : "Signed in" }, label),
  who.role ? h("span", { class: ["badge", "badge--role"] }, who.role) : null);
}

function maskKey(key) {
  return key.length > 10 ? `${key.slice(0, 6)}…${key.slice(-4)}` : "kr_…";
}

/** With a session in place: learn the role and the reachable workspaces, then show the page. */
async function enter() {
  try {
    const own = session.current.workspace ? [{ slug: session.current.workspace, name: session.current.workspace }] : [];
    workspaceList = await reachableWorkspaces(own);
    if (session.current.workspace) await loadMe();
  } catch (error) {
    fail(error);
    return;
  }
  hideBanner();
  showSession();
  route();
}

function switchWorkspace(slug) {
  session.switchTo(slug);
  location.hash = "#/schedules";
  enter();
}

function showSignIn(message = "") {
  showSession();
  signInScreen($("view"), {
    message,
    preferredWorkspace: (session.load() || {}).workspace,
    onSignedIn: enter,
  });
}

async function signOut(message = "") {
  clearTimeout(timer);
  if (current && current.view.dispose) current.view.dispose();
  current = null;
  // A rejected session needs no logout call; an explicit sign-out tells the server.
  if (message) session.clear();
  else await endSession();
  workspaceList = [];
  showSignIn(message);
}

// ---- start -----------------------------------------------------------------------------------

async function start() {
  $("sign-out").addEventListener("click", (event) => {
    event.preventDefault();
    signOut();
  });
  $("banner-close").addEventListener("click", () => hideBanner());
  const times = $("time-mode");
  times.title = `Local time is ${LOCAL_ZONE}`;
  times.value = timeMode();
  times.addEventListener("change", () => {
    const apply = () => setTimeMode(times.value);
    // A view with a form redraws its times itself, keeping what is typed; any other view draws its
    // times as it mounts, so it is mounted again in the new zone.
    if (current && current.view.switchTimes) current.view.switchTimes(apply);
    else {
      apply();
      route();
    }
  });
  window.addEventListener("hashchange", route);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refresh();
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing && !event.metaKey && !event.ctrlKey) {
      const search = document.querySelector("[data-search]");
      if (search) {
        event.preventDefault();
        search.focus();
      }
    }
  });
  const saved = session.load();
  try {
    if (!session.current) await resumeCookieSession(saved && saved.workspace);
  } catch (error) {
    fail(error);
  }
  if (session.current) await enter();
  else showSignIn();
}

start();
