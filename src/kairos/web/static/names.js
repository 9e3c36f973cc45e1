// Names where the API gives ids: a link that shows the short id at once and the resource's name
// as soon as it is known. Names are looked up once per page view (cleared on every route), so a
// renamed schedule shows its new name on the next page.

import { ApiError, apiKeys, everyPage, members, schedules, session, strategies } from "./api.js";
import { h } from "./dom.js";
import { shortId } from "./format.js";

const cache = new Map();
let keyNames = null;
let memberNames = null;

// Each lookup resolves to the name, or null when the resource is gone; it rejects when it could
// not be told (a 403 for this role, a 429), which reads "unknown", not "deleted".
const gone = (error) => {
  if (error instanceof ApiError && error.status === 404) return null;
  throw error;
};
const LOOKUP = {
  schedule: (id) => schedules.get(id).then((s) => s.name || "(unnamed)", gone),
  strategy: (id) => strategies.get(id).then((s) => s.name, gone),
  // One list answers every key on the page, followed to its last page.
  api_key: (id) => {
    keyNames = keyNames || everyPage(apiKeys.list, { limit: 200 }, { max: 5000 })
      .then(({ items }) => new Map(items.map((key) => [key.id, key.name])));
    return keyNames.then((names) => names.get(id) || null);
  },
  member: (id) => {
    memberNames = memberNames || everyPage(members.list, { limit: 200 }, { max: 5000 })
      .then(({ items }) => new Map(items.map((member) => [member.user_id, member.email])));
    return memberNames.then((names) => names.get(id) || null);
  },
};
const UNKNOWN = Symbol("unknown");
const HREF = {
  schedule: (id) => `#/schedules/${encodeURIComponent(id)}`,
  strategy: (id) => `#/strategies/${encodeURIComponent(id)}`,
  api_key: () => "#/keys",
  member: () => "#/members",
};

/** Forget the names looked up so far (each route starts afresh). */
export function forgetNames() {
  cache.clear();
  keyNames = null;
  memberNames = null;
}

function lookedUp(type, id) {
  const workspace = session.current ? session.current.workspace : "";
  const key = `${workspace}:${type}:${id}`;
  if (!cache.has(key)) {
    const lookup = LOOKUP[type];
    cache.set(key, lookup ? lookup(id).catch(() => UNKNOWN) : Promise.resolve(UNKNOWN));
  }
  return cache.get(key);
}

/** The name of a resource, or null when it is gone or could not be looked up. */
export function nameOf(type, id) {
  return lookedUp(type, id).then((name) => (name === UNKNOWN ? null : name));
}

/** Whether names of this type can be looked up (the audit log names many resource types). */
export const knownType = (type) => Boolean(LOOKUP[type]);

/** A link to a schedule or strategy that reads as its name once known; the id stays on hover. */
export function nameLink(type, id, { className = null } = {}) {
  const link = h("a", { class: ["name-link", className], href: HREF[type] ? HREF[type](id) : "#", title: id },
    shortId(id));
  lookedUp(type, id).then((name) => {
    if (name === UNKNOWN) link.append(h("span", { class: "muted" }, " (unknown)"));
    else if (name) link.textContent = name;
    else link.append(h("span", { class: "muted" }, " (deleted)"));
  });
  return link;
}
