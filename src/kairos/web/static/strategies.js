// The strategies list: how this workspace pulls items out of pages, documents and APIs.

import { strategies } from "./api.js";
import { fill, h } from "./dom.js";
import { count, shortId } from "./format.js";
import { badge, code, CursorPager, emptyState, table, when } from "./widgets.js";

const PAGE_SIZE = 50;

export const strategyHref = (strategyId) => `#/strategies/${encodeURIComponent(strategyId)}`;

/** The strategy's source in one line: its item selector, or the request it makes. */
function source(s) {
  if (s.type === "api" && s.request) return code(`${s.request.method || "GET"} ${s.request.url}`);
  return s.item ? code(s.item) : h("span", { class: "muted" }, "whole document");
}

export function strategyList(ctx) {
  ctx.setTitle("Strategies");
  const pager = new CursorPager(PAGE_SIZE);
  const total = h("span", { class: "page-head__count" });
  const results = h("div", { class: "results" }, h("p", { class: "loading" }, "Loading strategies…"));
  const create = ctx.can("operator") ? h("a", { class: "btn btn--primary", href: "#/strategies/new" }, "New strategy") : null;
  fill(ctx.root, h("div", { class: "page-head" }, h("h1", null, "Strategies ", total), create), results);

  async function refresh() {
    const page = await strategies.list(pager.query());
    if (!pager.loaded(page)) {
      pager.previous();
      return refresh();
    }
    total.textContent = count(page.total);
    if (!page.items.length) {
      fill(results, emptyState("No strategies yet.", "A strategy says how a scrape turns a page, a JSON document or " +
        "an API answer into items: an item selector and named fields.", create));
      return {};
    }
    fill(results,
      table(["Name", "Type", "Items from", { label: "Fields", class: "num" }, "Updated"], page.items.map((s) => [
        h("div", null, h("a", { class: "row-title", href: strategyHref(s.id) }, s.name || shortId(s.id)),
          h("div", { class: "muted small" }, s.description || shortId(s.id))),
        badge(s.type, "kind"),
        source(s),
        h("span", { class: "num" }, count(Object.keys(s.fields || {}).length)),
        when(s.updated_at),
      ])),
      pager.render(page, () => ctx.refresh()));
    return { interval: 30000 };
  }

  return { refresh };
}
