// The one place the dashboard talks to the Kairos JSON API. Every request goes through `call`,
// with a literal method and path, so tests can check each one against the server's route table.

export const API_BASE = "/api/v1/workspaces/";
const STORAGE_KEY = "kairos.dashboard.session";

/** The signed-in key and workspace, kept in localStorage so a reload stays signed in. */
export const session = {
  current: null,

  load() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      if (saved && typeof saved.apiKey === "string" && typeof saved.workspace === "string") {
        this.current = { apiKey: saved.apiKey, workspace: saved.workspace };
      }
    } catch {
      this.current = null;
    }
    return this.current;
  },

  save(apiKey, workspace) {
    this.current = { apiKey, workspace };
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.current));
    } catch {
      // Storage refused (private mode, quota): stay signed in for this page only.
    }
  },

  clear() {
    this.current = null;
    try {
      localStorage.removeItem(STORAGE_KEY);
    } catch {
      // Nothing was stored.
    }
  },
};

/** A failed request, carrying the problem+json body (RFC 9457) the server answered with. */
export class ApiError extends Error {
  constructor(status, problem) {
    const body = problem && typeof problem === "object" ? problem : {};
    super(body.detail || body.title || `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.title = body.title || (status ? `Error ${status}` : "Network error");
    this.detail = body.detail || this.message;
    this.errors = Array.isArray(body.errors) ? body.errors : [];
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

/** Send one request to the signed-in workspace; resolves to the JSON body (or a Blob when `raw`). */
async function call(method, path, { query, body, signal, raw } = {}) {
  const current = session.current;
  if (!current) throw new ApiError(401, { title: "Not signed in", detail: "Sign in with an API key first." });
  const headers = { Accept: raw ? "*/*" : "application/json", "X-API-Key": current.apiKey };
  const init = { method, headers, credentials: "same-origin", cache: "no-store", signal };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const url = API_BASE + encodeURIComponent(current.workspace) + path + queryString(query);
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, { title: "Network error", detail: "Kairos did not answer; is the server running?" });
  }
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  if (raw) return response.blob();
  if (response.status === 204) return null;
  return response.json();
}

const id = (value) => encodeURIComponent(value);

export const schedules = {
  list: (query) => call("GET", "/schedules", { query }),
  create: (body) => call("POST", "/schedules", { body }),
  get: (scheduleId) => call("GET", `/schedules/${id(scheduleId)}`),
  remove: (scheduleId) => call("DELETE", `/schedules/${id(scheduleId)}`),
  enable: (scheduleId) => call("POST", `/schedules/${id(scheduleId)}/enable`),
  disable: (scheduleId) => call("POST", `/schedules/${id(scheduleId)}/disable`),
  pause: (scheduleId) => call("POST", `/schedules/${id(scheduleId)}/pause`),
  resume: (scheduleId) => call("POST", `/schedules/${id(scheduleId)}/resume`),
  trigger: (scheduleId) => call("POST", `/schedules/${id(scheduleId)}/trigger`),
  fires: (scheduleId, query) => call("GET", `/schedules/${id(scheduleId)}/fires`, { query }),
  upcoming: (scheduleId, count) => call("GET", `/schedules/${id(scheduleId)}/preview`, { query: { count } }),
  previewUnsaved: (body, signal) => call("POST", "/schedules:preview", { body, signal }),
};

export const jobs = {
  list: (query) => call("GET", "/jobs", { query }),
  get: (jobId) => call("GET", `/jobs/${id(jobId)}`),
  cancel: (jobId) => call("DELETE", `/jobs/${id(jobId)}`),
  results: (jobId, format) => call("GET", `/jobs/${id(jobId)}/results`, { query: { format }, raw: true }),
};

export const registry = {
  list: () => call("GET", "/tasks"),
};
