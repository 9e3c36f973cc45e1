// The one place the dashboard talks to the Kairos JSON API. Every request goes through `call`
// (a path inside the current workspace) or `callRoot` (a path under /api/v1), with a literal method
// and path, so tests can check each one against the server's route table.

export const API_BASE = "/api/v1/workspaces/";
export const API_ROOT = "/api/v1";
const STORAGE_KEY = "kairos.dashboard.session";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * How this browser is signed in: `{mode: "cookie", workspace, csrf, user}` after an email sign-in,
 * or `{mode: "key", apiKey, workspace, remember}`. The session cookie is HttpOnly and the CSRF token
 * is asked for again on load, so only the workspace is kept in localStorage for a cookie session.
 * A pasted API key is a bearer secret: it is kept in sessionStorage (this tab, until it closes)
 * unless the user ticked "Remember me on this browser", which keeps it in localStorage.
 */
export const session = {
  current: null,
  /** What `GET /me` said about the caller in the current workspace: `{type, id, label, role, workspace}`. */
  me: null,

  /** The saved state: a key session (this tab's, else a remembered one), or the workspace a cookie session last used. */
  load() {
    for (const [storage, remember] of [[tabStorage(), false], [browserStorage(), true]]) {
      const saved = read(storage);
      if (saved && typeof saved.apiKey === "string" && typeof saved.workspace === "string") {
        this.current = { mode: "key", apiKey: saved.apiKey, workspace: saved.workspace, remember };
        return { mode: "key" };
      }
    }
    const saved = read(browserStorage());
    this.current = null;
    if (saved && typeof saved.workspace === "string") return { mode: "cookie", workspace: saved.workspace };
    return null;
  },

  useKey(apiKey, workspace, { remember = false } = {}) {
    this.current = { mode: "key", apiKey, workspace, remember };
    this.me = null;
    save(this.current);
  },

  useCookie(answer, workspace) {
    this.current = { mode: "cookie", csrf: answer.csrf_token, user: answer.user, workspace };
    this.me = null;
    save(this.current);
  },

  switchTo(workspace) {
    if (!this.current) return;
    this.current = { ...this.current, workspace };
    this.me = null;
    save(this.current);
  },

  clear() {
    this.current = null;
    this.me = null;
    for (const storage of [tabStorage(), browserStorage()]) {
      try {
        if (storage) storage.removeItem(STORAGE_KEY);
      } catch {
        // Nothing was stored.
      }
    }
  },
};

// Either storage may be refused (private mode, a sandbox): then the session lasts this page only.
function tabStorage() {
  try {
    return globalThis.sessionStorage || null;
  } catch {
    return null;
  }
}

function browserStorage() {
  try {
    return globalThis.localStorage || null;
  } catch {
    return null;
  }
}

function read(storage) {
  try {
    return storage ? JSON.parse(storage.getItem(STORAGE_KEY) || "null") : null;
  } catch {
    return null; // Unreadable storage: as if nothing were saved.
  }
}

function write(storage, value) {
  try {
    if (!storage) return;
    if (value === null) storage.removeItem(STORAGE_KEY);
    else storage.setItem(STORAGE_KEY, JSON.stringify(value));
  } catch {
    // Storage refused (private mode, quota): stay signed in for this page only.
  }
}

/** Keep `current` where it belongs, and a key nowhere else. */
function save(current) {
  if (current.mode === "key" && !current.remember) {
    write(tabStorage(), { apiKey: current.apiKey, workspace: current.workspace });
    write(browserStorage(), null);
  } else if (current.mode === "key") {
    write(browserStorage(), { apiKey: current.apiKey, workspace: current.workspace });
    write(tabStorage(), null);
  } else {
    write(browserStorage(), { workspace: current.workspace });
    write(tabStorage(), null);
  }
}

/** A failed request, carrying the problem+json body (RFC 9457) the server answered with. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter = null) {
    const body = problem && typeof problem === "object" ? problem : {};
    super(body.detail || body.title || `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.title = body.title || (status ? `Error ${status}` : "Network error");
    this.detail = body.detail || this.message;
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    /** Seconds to wait before trying again, from a 429's Retry-After. */
    this.retryAfter = retryAfter;
  }

  /** Field errors keyed by field name (the last named part of `loc`, after `body`/`query`). */
  fieldErrors() {
    const fields = new Map();
    for (const error of this.errors) {
      const loc = Array.isArray(error.loc) ? error.loc : [];
      const names = loc.filter((part) => typeof part === "string" && !["body", "query", "path"].includes(part));
      const field = names.length ? names[0] : null;
      if (field && !fields.has(field)) fields.set(field, String(error.msg || "invalid"));
    }
    return fields;
  }
}

/** Retry-After as seconds: either a number of seconds or an HTTP date. */
export function retryAfterSeconds(value, now = Date.now()) {
  if (value === null || value === undefined || value === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

function queryString(query) {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function readProblem(response) {
  const type = response.headers.get("content-type") || "";
  try {
    if (type.includes("json")) return await response.json();
    const text = await response.text();
    return { title: response.statusText, detail: text.slice(0, 300) || response.statusText };
  } catch {
    return { title: response.statusText, detail: response.statusText };
  }
}

/** The credentials of the current session: the API key, or (cookie sessions) the CSRF token on unsafe methods. */
function authHeaders(method) {
  const current = session.current;
  if (!current) return {};
  if (current.mode === "key") return { "X-API-Key": current.apiKey };
  return UNSAFE.has(method) && current.csrf ? { "X-CSRF-Token": current.csrf } : {};
}

async function send(method, url, { body, signal, raw } = {}) {
  const headers = { Accept: raw ? "*/*" : "application/json", ...authHeaders(method) };
  const init = { method, headers, credentials: "same-origin", cache: "no-store", signal };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, { title: "Network error", detail: "Kairos did not answer; is the server running?" });
  }
  if (!response.ok) {
    const wait = response.status === 429 ? retryAfterSeconds(response.headers.get("retry-after")) : null;
    throw new ApiError(response.status, await readProblem(response), wait);
  }
  if (raw) return response.blob();
  if (response.status === 204) return null;
  return response.json();
}

/** Send one request to the signed-in workspace; resolves to the JSON body (or a Blob when `raw`). */
function call(method, path, { query, ...options } = {}) {
  const current = session.current;
  if (!current) return Promise.reject(new ApiError(401, { title: "Not signed in", detail: "Sign in first." }));
  return send(method, API_BASE + encodeURIComponent(current.workspace) + path + queryString(query), options);
}

/** Send one request outside any workspace (sign-in, the workspace list). */
function callRoot(method, path, { query, ...options } = {}) {
  return send(method, API_ROOT + path + queryString(query), options);
}

const id = (value) => encodeURIComponent(value);

/**
 * Follow `next_cursor` from page to page of `list(query)`. Stops at the end, once `enough(items)`
 * says the pages so far answer the question, or past `max` items; `truncated` is true only in the
 * last case, so a view can say "first N".
 */
export async function everyPage(list, query = {}, { max = 1000, enough = null } = {}) {
  const items = [];
  let cursor = null;
  for (;;) {
    const page = await list(cursor ? { ...query, cursor } : query);
    items.push(...page.items);
    cursor = page.has_more ? page.next_cursor : null;
    if (!cursor || (enough && enough(items))) return { items, truncated: false };
    if (items.length >= max) return { items, truncated: true };
  }
}

export const auth = {
  login: (body) => callRoot("POST", "/auth/login", { body }),
  session: () => callRoot("GET", "/auth/session"),
  logout: () => callRoot("POST", "/auth/logout"),
};

export const workspaces = {
  list: (query) => callRoot("GET", "/workspaces", { query }),
  create: (body) => callRoot("POST", "/workspaces", { body }),
};

export const me = {
  get: () => call("GET", "/me"),
};

export const schedules = {
  list: (query) => call("GET", "/schedules", { query }),
  create: (body) => call("POST", "/schedules", { body }),
  get: (scheduleId) => call("GET", `/schedules/${id(scheduleId)}`),
  update: (scheduleId, body) => call("PATCH", `/schedules/${id(scheduleId)}`, { body }),
  remove: (scheduleId) => call("DELETE", `/schedules/${id(scheduleId)}`),
  enable: (scheduleId) => call("POST", `/schedules/${id(scheduleId)}/enable`),
  disable: (scheduleId) => call("POST", `/schedules/${id(scheduleId)}/disable`),
  pause: (scheduleId) => call("POST", `/schedules/${id(scheduleId)}/pause`),
  resume: (scheduleId) => call("POST", `/schedules/${id(scheduleId)}/resume`),
  trigger: (scheduleId) => call("POST", `/schedules/${id(scheduleId)}/trigger`),
  fires: (scheduleId, query) => call("GET", `/schedules/${id(scheduleId)}/fires`, { query }),
  upcoming: (scheduleId, count) => call("GET", `/schedules/${id(scheduleId)}/preview`, { query: { count } }),
  previewUnsaved: (body, signal) => call("POST", "/schedules:preview", { body, signal }),
  changes: (scheduleId, query) => call("GET", `/schedules/${id(scheduleId)}/changes`, { query }),
  deliveries: (scheduleId, query) => call("GET", `/schedules/${id(scheduleId)}/deliveries`, { query }),
  retryDelivery: (scheduleId, deliveryId) =>
    call("POST", `/schedules/${id(scheduleId)}/deliveries/${id(deliveryId)}/retry`),
  regenerateSecret: (scheduleId) => call("POST", `/schedules/${id(scheduleId)}/webhook-secret/regenerate`),
};

export const jobs = {
  list: (query) => call("GET", "/jobs", { query }),
  get: (jobId) => call("GET", `/jobs/${id(jobId)}`),
  cancel: (jobId) => call("DELETE", `/jobs/${id(jobId)}`),
  results: (jobId, format) => call("GET", `/jobs/${id(jobId)}/results`, { query: { format }, raw: true }),
  items: (jobId) => call("GET", `/jobs/${id(jobId)}/results`, { query: { format: "json" } }),
};

export const reddit = {
  posts: (query) => call("GET", "/reddit/posts", { query }),
  post: (postId) => call("GET", `/reddit/posts/${id(postId)}`),
  jobMedia: (jobId) => call("GET", `/jobs/${id(jobId)}/media`),
  file: (sha256) => call("GET", `/media/${id(sha256)}`, { raw: true }),
};

export const schedulerLinks = {
  list: (query) => call("GET", "/scheduler-links", { query }),
  create: (body) => call("POST", "/scheduler-links", { body }),
  get: (linkId) => call("GET", `/scheduler-links/${id(linkId)}`),
  update: (linkId, body) => call("PATCH", `/scheduler-links/${id(linkId)}`, { body }),
  remove: (linkId) => call("DELETE", `/scheduler-links/${id(linkId)}`),
  test: (linkId) => call("POST", `/scheduler-links/${id(linkId)}/test`),
};

export const scheduleSync = {
  diff: (body) => call("POST", "/schedules:diff", { body }),
  import: (body) => call("POST", "/schedules:import", { body }),
  resync: (body) => call("POST", "/schedules:resync", { body }),
};

export const registry = {
  list: () => call("GET", "/tasks"),
};

export const strategies = {
  list: (query) => call("GET", "/strategies", { query }),
  get: (strategyId) => call("GET", `/strategies/${id(strategyId)}`),
  create: (body) => call("POST", "/strategies", { body }),
  update: (strategyId, body) => call("PATCH", `/strategies/${id(strategyId)}`, { body }),
  remove: (strategyId) => call("DELETE", `/strategies/${id(strategyId)}`),
  test: (strategyId, body) => call("POST", `/strategies/${id(strategyId)}/test`, { body }),
  testUnsaved: (body) => call("POST", "/strategies:test", { body }),
};

export const members = {
  list: (query) => call("GET", "/members", { query }),
  invite: (body) => call("POST", "/members", { body }),
  setRole: (userId, role) => call("PATCH", `/members/${id(userId)}`, { body: { role } }),
  remove: (userId) => call("DELETE", `/members/${id(userId)}`),
};

export const apiKeys = {
  list: (query) => call("GET", "/api-keys", { query }),
  create: (body) => call("POST", "/api-keys", { body }),
  revoke: (keyId) => call("DELETE", `/api-keys/${id(keyId)}`),
};

export const auditLog = {
  list: (query) => call("GET", "/audit-log", { query }),
};
