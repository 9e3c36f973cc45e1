// Names where the API gives ids: a link that shows the short id at once and the resource's name
// as soon as it is known. Names are looked up once per page view (cleared on every route), so a
// renamed schedule shows its new name on the next page.

import { apiKeys, members, schedules, session, strategies } from "./api.js";
import { h } from "./dom.js";
import { shortId } from "./format.js";

const cache = new Map();
let keyNames = null;
let memberNames = null;

const LOOKUP = {
  schedule: (id) => schedules.get(id).then((s) => s.name),
  strategy: (id) => strategies.get(id).then((s) => s.name),
  // One list answers every key on the page; keys are few.
  api_key: (id) => {
    keyNames = keyNames || apiKeys.list({ limit: 200 })
      .then((page) => new Map(page.items.map((key) => [key.id, key.name])));
    return keyNames.then((names) => names.get(id) || null);
  },
  member: (id) => {
    memberNames = memberNames || members.list({ limit: 200 })
      .then((page) => new Map(page.items.map((member) => [member.user_id, member.email])));
    return memberNames.then((names) => names.get(id) || null);
  },
};
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

/** The name of a resource, or null when it is gone (deleted, or not visible to this role). */
export function nameOf(type, id) {
  const workspace = session.current ? session.current.workspace : "";
  const key = `${workspace}:${type}:${id}`;
  if (!cache.has(key)) {
    const lookup = LOOKUP[type];
    cache.set(key, lookup ? lookup(id).catch(() => null) : Promise.resolve(null));
  }
  return cache.get(key);
}

/** Whether names of this type can be looked up (the audit log names many resource types). */
export const knownType = (type) => Boolean(LOOKUP[type]);

/** A link to a schedule or strategy that reads as its name once known; the id stays on hover. */
export function nameLink(type, id, { className = null } = {}) {
  const link = h("a", { class: ["name-link", className], href: HREF[type] ? HREF[type](id) : "#", title: id },
    shortId(id));
  nameOf(type, id).then((name) => {
    if (name) link.textContent = name;
    else link.append(h("span", { class: "muted" }, " (deleted)"));
  });
  return link;
}
