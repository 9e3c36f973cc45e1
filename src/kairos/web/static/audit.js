// The audit log (admin): every change made in this workspace, newest first, a page at a time.

import { auditLog } from "./api.js";
import { fill, h } from "./dom.js";
import { count, shortId } from "./format.js";
import { knownType, nameLink } from "./names.js";
import { badge, code, CursorPager, emptyState, table, when } from "./widgets.js";

const PAGE_SIZE = 50;

function statusTone(status) {
  const number = Number(status);
  if (number >= 500) return "bad";
  if (number >= 400) return "warn";
  return "ok";
}

function actor(entry) {
  const who = entry.actor || {};
  return h("span", null, who.label || shortId(who.id) || "—",
    who.type ? h("span", { class: "muted small" }, ` ${who.type === "key" ? "API key" : who.type}`) : null);
}

function resource(entry) {
  if (!entry.resource_type) return h("span", { class: "muted" }, "—");
  const id = entry.resource_id;
  return h("span", null, entry.resource_type.replace("_", " "), id
    ? [" ", knownType(entry.resource_type) ? nameLink(entry.resource_type, id) : code(shortId(id))] : null);
}

export function auditPage(ctx) {
  ctx.setTitle("Audit log");
  const pager = new CursorPager(PAGE_SIZE);
  const total = h("span", { class: "page-head__count" });
  const results = h("div", { class: "results" }, h("p", { class: "loading" }, "Loading the audit log…"));
  fill(ctx.root, h("div", { class: "page-head" }, h("h1", null, "Audit log ", total)), results);

  async function refresh() {
    const page = await auditLog.list(pager.query());
    if (!pager.loaded(page)) {
      pager.previous();
      return refresh();
    }
    total.textContent = page.total === undefined ? "" : count(page.total);
    if (!page.items.length) {
      fill(results, emptyState("Nothing recorded yet.", "Changes made through the API or this dashboard appear here."));
      return {};
    }
    fill(results,
      table(["Time", "Actor", "Action", "Resource", "IP", "Status"], page.items.map((entry) => [
        when(entry.at),
        actor(entry),
        code(entry.action),
        resource(entry),
        entry.ip ? h("span", { class: "mono small" }, entry.ip) : h("span", { class: "muted" }, "—"),
        entry.status === null || entry.status === undefined ? "—" : badge(String(entry.status), statusTone(entry.status)),
      ]), { className: "table--compact" }),
      pager.render({ ...page, total: page.total ?? "?" }, () => ctx.refresh()));
    return { interval: 30000 };
  }

  return { refresh };
}
