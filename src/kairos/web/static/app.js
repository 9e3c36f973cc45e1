// The dashboard shell: sign-in, the hash router, the error banner, toasts, confirmations,
// and the loop that keeps the current view fresh.

import { ApiError, schedules, session } from "./api.js";
import { fill, h } from "./dom.js";
import { jobDetail, jobList } from "./jobs.js";
import { scheduleForm } from "./schedule-form.js";
import { scheduleDetail, scheduleList } from "./schedules.js";

const REFRESH_MS = 5000;
const HIDDEN_REFRESH_MS = 30000;

const ROUTES = [
  [/^\/schedules\/new$/, scheduleForm, "schedules"],
  [/^\/schedules\/([^/]+)$/, scheduleDetail, "schedules"],
  [/^\/schedules$/, scheduleList, "schedules"],
  [/^\/jobs\/([^/]+)$/, jobDetail, "jobs"],
  [/^\/jobs$/, jobList, "jobs"],
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

/** Report a failed request: a 401 signs out, anything else goes to the banner. */
function fail(error, source = "action") {
  if (error && error.name === "AbortError") return;
  if (error instanceof ApiError) {
    if (error.status === 401) {
      signOut("Your API key was not accepted; it may have been revoked. Sign in again.");
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
  if (current && current.view.dispose) current.view.dispose();
  current = null;
  hideBanner();
  if (!session.current) {
    showSignIn();
    return;
  }
  const { path, query } = parseHash();
  const match = ROUTES.map(([pattern, view, section]) => [path.match(pattern), view, section]).find(([m]) => m);
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
  const [found, factory] = match;
  const params = found.slice(1).map((part) => decodeURIComponent(part));
  const ctx = {
    root,
    params,
    query,
    refresh,
    fail,
    notify,
    confirm: confirmDialog,
    navigate: (hash) => { location.hash = hash; },
    setTitle: (text) => { document.title = `${text} · Kairos`; },
    // Filters live in the URL so a reload or a shared link shows the same list,
    // without re-mounting the view (replaceState fires no hashchange).
    setQuery: (values) => {
      const next = new URLSearchParams();
      for (const [name, value] of Object.entries(values)) if (value) next.set(name, value);
      const text = next.toString();
      history.replaceState(null, "", `#${path}${text ? `?${text}` : ""}`);
    },
  };
  current = { view: factory(ctx) };
  refresh();
}

// ---- signing in and out ----------------------------------------------------------------------

function showSession() {
  const signedIn = Boolean(session.current);
  $("nav").hidden = !signedIn;
  $("session").hidden = !signedIn;
  $("sign-in").hidden = signedIn;
  if (signedIn) {
    $("session-workspace").textContent = session.current.workspace;
    const key = session.current.apiKey;
    $("session-key").textContent = key.length > 10 ? `${key.slice(0, 6)}…${key.slice(-4)}` : "kr_…";
  }
}

function showSignIn(message = "") {
  showSession();
  const form = $("sign-in");
  document.title = "Sign in · Kairos";
  fill($("view"), h("div", { class: "welcome" },
    h("h1", null, "Kairos"),
    h("p", null, "Schedules, fires and jobs of your workspace, live."),
    h("p", { class: "muted" }, "Sign in above with an API key. On its first start the server prints an admin key " +
      "for the workspace “default” (or uses KAIROS_BOOTSTRAP_API_KEY).")));
  if (message) showBanner("Signed out", message, [], "session");
  form.elements.api_key.focus();
}

function signOut(message = "") {
  session.clear();
  clearTimeout(timer);
  current = null;
  showSignIn(message);
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const apiKey = form.elements.api_key.value.trim();
  const workspace = form.elements.workspace.value.trim() || "default";
  for (const el of form.querySelectorAll("[data-error-for]")) el.textContent = "";
  if (!apiKey) {
    form.querySelector('[data-error-for="api_key"]').textContent = "Paste an API key (kr_…).";
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  session.save(apiKey, workspace);
  try {
    await schedules.list({ limit: 1 });
  } catch (error) {
    session.clear();
    if (error instanceof ApiError && error.status === 401) {
      form.querySelector('[data-error-for="api_key"]').textContent = "This key was not accepted.";
    } else if (error instanceof ApiError && error.status === 404) {
      form.querySelector('[data-error-for="workspace"]').textContent = "No such workspace for this key.";
    } else {
      fail(error);
    }
    return;
  } finally {
    button.disabled = false;
  }
  form.elements.api_key.value = "";
  hideBanner();
  showSession();
  route();
}

// ---- start -----------------------------------------------------------------------------------

function start() {
  session.load();
  showSession();
  $("sign-in").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", (event) => {
    event.preventDefault();
    signOut();
  });
  $("banner-close").addEventListener("click", () => hideBanner());
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
  route();
}

start();
