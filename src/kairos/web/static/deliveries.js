// A schedule's "Deliveries" tab: every webhook delivery, newest first, with "Retry now" for one that
// failed or waits for its next retry, and what was sent and what came back.

import { schedules } from "./api.js";
import { busy, fill, h } from "./dom.js";
import { count, json } from "./format.js";
import { badge, CursorPager, emptyState, jobHref, pre, table, when } from "./widgets.js";

const TONES = { pending: "info", delivered: "ok", failed: "bad" };

function attemptItem(a) {
  // The start of what the receiver answered (the server keeps its first 2,048 bytes).
  const answered = a.response_body ?? null;
  return h("li", null,
    when(a.at, { inline: true }), " ",
    a.status_code ? badge(`HTTP ${a.status_code}`, a.status_code < 300 ? "ok" : "bad") : badge("no answer", "bad"),
    a.duration_ms !== null && a.duration_ms !== undefined ? h("span", { class: "muted small" }, ` ${count(a.duration_ms)} ms`) : null,
    a.error ? h("div", { class: "small error-inline" }, a.error) : null,
    answered ? h("div", null, h("span", { class: "muted small" }, "Response"), pre(answered)) : null);
}

/** The attempts and the payload, folded: "2 attempts · payload". */
function details(delivery) {
  const attempts = delivery.attempts || [];
  const summary = `${attempts.length ? `${attempts.length} attempt${attempts.length === 1 ? "" : "s"}` : "not sent yet"} · payload`;
  return h("details", { class: "delivery__details" }, h("summary", null, summary),
    attempts.length ? h("ol", { class: "attempts" }, attempts.map(attemptItem)) : null,
    h("h3", { class: "delivery__heading" }, "Payload sent"),
    delivery.payload !== undefined && delivery.payload !== null
      ? pre(typeof delivery.payload === "string" ? delivery.payload : json(delivery.payload))
      : h("p", { class: "muted small" }, "This server does not show payloads."));
}

/** Every webhook delivery of one schedule, newest first. */
export function deliveriesPanel(ctx, scheduleId) {
  const pager = new CursorPager(25);
  const results = h("div", null, h("p", { class: "loading" }, "Loading deliveries…"));
  const node = h("div", { class: "tab-panel" }, results);

  const retry = (d) => {
    // A pending delivery may wait hours for its backoff: it can be sent now, as a failed one can.
    if (!["failed", "pending"].includes(d.status) || !ctx.can("operator")) return null;
    return h("button", {
      type: "button", class: "btn btn--small btn--ghost",
      onclick: (event) => busy(event.currentTarget, async () => {
        try {
          await schedules.retryDelivery(scheduleId, d.id);
          ctx.notify("Sending the delivery now.");
          ctx.refresh();
        } catch (error) {
          ctx.fail(error);
        }
      }),
    }, "Retry now");
  };

  async function refresh(schedule) {
    const page = await schedules.deliveries(scheduleId, pager.query());
    if (!pager.loaded(page)) {
      pager.previous();
      return refresh(schedule);
    }
    if (!page.items.length) {
      fill(results, emptyState("No deliveries yet.", schedule && schedule.webhook_url
        ? "Each finished job is delivered to the webhook URL; the attempts show here."
        : "This schedule has no webhook URL."));
      return {};
    }
    fill(results, table(["Created", "Job", "Event", "Status", "Attempts and payload", "Next retry", ""], page.items.map((d) => [
      when(d.created_at),
      d.job_id ? h("a", { class: "mono", href: jobHref(d.job_id) }, `Job …${d.job_id.slice(-8)}`) : h("span", { class: "muted" }, "—"),
      d.event,
      badge(d.status, TONES[d.status] || "muted"),
      details(d),
      d.status === "pending" ? when(d.next_attempt_at, { empty: "now" }) : h("span", { class: "muted" }, "—"),
      retry(d),
    ])), pager.render(page, () => ctx.refresh()));
    return page.items.some((d) => d.status === "pending") ? { interval: 5000 } : { interval: 30000 };
  }

  return { node, refresh };
}
