// A scrape job's outcome per URL (from `result.pages`) and the items it stored (`/jobs/{id}/results`).

import { jobs } from "./api.js";
import { fill, h } from "./dom.js";
import { count } from "./format.js";
import { itemsView } from "./strategy-test.js";
import { badge, card, code, table } from "./widgets.js";

const PAGE_TONES = { ok: "ok", failed: "bad" };

/** The pages a scrape fetched, each with its status, HTTP status, item count, error and time. */
export function pagesCard(job) {
  const pages = job.result && Array.isArray(job.result.pages) ? job.result.pages : null;
  if (!pages) return null;
  const failed = pages.filter((p) => p.status !== "ok").length;
  return card(`Pages (${count(pages.length)}${failed ? `, ${count(failed)} failed` : ""})`,
    table(["URL", "Status", "HTTP", { label: "Items", class: "num" }, { label: "Time", class: "num" }, "Error"],
      pages.map((p) => [
        h("span", { class: "mono small url-cell", title: p.url }, p.url),
        badge(p.status, PAGE_TONES[p.status] || "muted"),
        p.http_status ? code(String(p.http_status)) : h("span", { class: "muted" }, "—"),
        h("span", { class: "num" }, Array.isArray(p.items) ? count(p.items.length) : count(p.items)),
        h("span", { class: "num" }, p.duration_ms === null || p.duration_ms === undefined ? "—" : `${count(p.duration_ms)} ms`),
        p.error ? h("span", { class: "small error-inline" }, p.error) : null,
      ]), { className: "table--compact" }));
}

/**
 * The stored items of a finished job, fetched once per job: a finished job's items never change,
 * so the page's refresh loop does not fetch them again.
 */
export function itemsCard(ctx, job, cache) {
  if (job.status !== "completed") return null;
  const body = h("div", null, h("p", { class: "loading" }, "Loading items…"));
  const render = (answer) => fill(body, h("p", { class: "muted small" }, `${count(answer.count)} items stored`),
    itemsView(answer.items, { limit: 100 }));
  if (cache.has(job.id)) {
    render(cache.get(job.id));
  } else {
    jobs.items(job.id)
      .then((answer) => {
        cache.set(job.id, answer);
        render(answer);
      })
      .catch((error) => {
        fill(body, h("p", { class: "muted" }, "Could not load the items."));
        ctx.fail(error);
      });
  }
  return card("Items", body);
}
