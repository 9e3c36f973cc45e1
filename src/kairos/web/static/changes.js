// A schedule's "Changes" tab (the change feed, previewed without marking, with its filter box and a
// "mark seen" button) and "Deliveries" tab (every webhook delivery and its attempts); and the button
// that regenerates the webhook secret.

import { ApiError, schedules } from "./api.js";
import { busy, debounce, fill, h } from "./dom.js";
import { count, shortId } from "./format.js";
import { itemsView } from "./strategy-test.js";
import { badge, CursorPager, emptyState, jobHref, table, when } from "./widgets.js";

const CHANGES_LIMIT = 20;
const DELIVERY_TONES = { pending: "info", delivered: "ok", failed: "bad" };

function itemList(title, items, tone) {
  if (!items || !items.length) return null;
  return h("div", { class: ["change__items", `change__items--${tone}`] },
    h("h3", null, `${title} (${count(items.length)})`), itemsView(items, { limit: 20 }));
}

function changeCard(change) {
  return h("article", { class: "card change" },
    h("header", { class: "change__head" },
      h("a", { class: "mono", href: jobHref(change.job_id) }, `Job ${shortId(change.job_id)}`),
      when(change.completed_at, { inline: true }),
      h("span", { class: "muted small" }, `${count(change.item_count)} items`),
      change.content_hash ? h("code", { class: "small muted", title: change.content_hash }, change.content_hash.slice(0, 12)) : null),
    itemList("Added", change.added, "added"),
    itemList("Removed", change.removed, "removed"),
    (change.results || []).length ? h("details", null,
      h("summary", null, `Items after the filter (${count(change.results.length)})`), itemsView(change.results)) : null,
    !(change.added || []).length && !(change.removed || []).length
      ? h("p", { class: "muted small" }, "Changed, but no item was added or removed (items were reordered or edited).") : null);
}

/** The changed runs and how many were marked seen (`{changes, marked_seen: bool, marked_count: N}`). */
export function readChanges(answer) {
  return { items: answer.changes || [], marked: answer.marked_count ?? 0 };
}

/** The change feed of one schedule; `refresh()` previews it (`mark_seen=false`). */
export function changesPanel(ctx, scheduleId) {
  let filter = ctx.query.get("filter") || "";
  const results = h("div", null, h("p", { class: "loading" }, "Loading changes…"));
  const summary = h("span", { class: "muted small" });
  const search = h("input", {
    type: "search", class: "toolbar__search mono", value: filter, maxlength: 500,
    placeholder: "+price -sold \"free shipping\" title:kairos", "aria-label": "Filter items",
    oninput: debounce((event) => {
      filter = event.target.value.trim();
      ctx.setQuery({ tab: "changes", filter });
      ctx.refresh();
    }, 400),
  });
  // How many runs the last preview showed: marking takes exactly those (the oldest unseen
  // first), so a change that lands after the preview is not marked unseen-but-unshown.
  let shown = 0;
  const markSeen = h("button", {
    type: "button", class: "btn btn--primary-soft",
    title: "Mark the changes shown here as seen: the feed then starts after them",
    onclick: (event) => busy(event.currentTarget, async () => {
      try {
        const { marked } = readChanges(await schedules.changes(scheduleId, { mark_seen: true, limit: shown }));
        ctx.notify(`Marked ${count(marked)} run${marked === 1 ? "" : "s"} as seen.`);
        ctx.refresh();
      } catch (error) {
        ctx.fail(error);
      }
    }),
  }, "Mark seen");
  const filterError = h("p", { class: "preview__error", hidden: true });
  const node = h("div", { class: "tab-panel" },
    h("div", { class: "toolbar" }, search, markSeen, summary),
    h("p", { class: "muted small" }, "Lucene-style: +word required, -word excluded, \"a phrase\", field:word. ",
      "This preview marks nothing as seen."),
    filterError,
    results);

  async function refresh() {
    let answer;
    try {
      answer = await schedules.changes(scheduleId, { mark_seen: false, filter, limit: CHANGES_LIMIT });
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        filterError.textContent = [...error.fieldErrors().values()].join("; ") || error.detail;
        filterError.hidden = false;
        return {};
      }
      throw error;
    }
    filterError.hidden = true;
    const { items } = readChanges(answer);
    summary.textContent = `${count(items.length)} unseen${answer.filter_applied ? " (filtered)" : ""}`;
    shown = items.length;
    // With a filter the server marks every run it examines, hidden ones too: marking is offered
    // only on the unfiltered feed, where what is marked is what is shown.
    markSeen.disabled = !items.length || Boolean(filter);
    markSeen.title = filter ? "Clear the filter to mark runs seen: with a filter, runs it hides would be marked too"
      : "Mark the changes shown here as seen: the feed then starts after them";
    fill(results, items.length ? items.map(changeCard)
      : emptyState(filter ? "No unseen change matches this filter." : "No unseen changes.",
        "A change is a completed job whose items differ from the run before."));
    return { interval: 15000 };
  }

  return { node, refresh };
}

function attemptsList(delivery) {
  const attempts = delivery.attempts || [];
  if (!attempts.length) return h("span", { class: "muted small" }, "not sent yet");
  return h("details", null, h("summary", null, `${attempts.length} attempt${attempts.length === 1 ? "" : "s"}`),
    h("ol", { class: "attempts" }, attempts.map((a) => h("li", null,
      when(a.at, { inline: true }), " ",
      a.status_code ? badge(String(a.status_code), a.status_code < 300 ? "ok" : "bad") : badge("no answer", "bad"),
      a.duration_ms !== null && a.duration_ms !== undefined ? h("span", { class: "muted small" }, ` ${count(a.duration_ms)} ms`) : null,
      a.error ? h("div", { class: "small error-inline" }, a.error) : null))));
}

/** Every webhook delivery of one schedule, newest first. */
export function deliveriesPanel(ctx, scheduleId) {
  const pager = new CursorPager(25);
  const results = h("div", null, h("p", { class: "loading" }, "Loading deliveries…"));
  const node = h("div", { class: "tab-panel" }, results);

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
    const retry = (d) => (d.status === "failed" && ctx.can("operator") ? h("button", {
      type: "button", class: "btn btn--small btn--ghost",
      onclick: (event) => busy(event.currentTarget, async () => {
        try {
          await schedules.retryDelivery(scheduleId, d.id);
          ctx.notify("Sending the delivery again.");
          ctx.refresh();
        } catch (error) {
          ctx.fail(error);
        }
      }),
    }, "Retry now") : null);
    fill(results, table(["Created", "Job", "Event", "Status", "Attempts", "Next retry", ""], page.items.map((d) => [
      when(d.created_at),
      d.job_id ? h("a", { class: "mono", href: jobHref(d.job_id) }, shortId(d.job_id)) : h("span", { class: "muted" }, "—"),
      d.event,
      badge(d.status, DELIVERY_TONES[d.status] || "muted"),
      attemptsList(d),
      d.status === "pending" ? when(d.next_attempt_at, { empty: "now" }) : h("span", { class: "muted" }, "—"),
      retry(d),
    ])), pager.render(page, () => ctx.refresh()));
    return page.items.some((d) => d.status === "pending") ? { interval: 5000 } : { interval: 30000 };
  }

  return { node, refresh };
}

/** "Regenerate secret" for an operator, on a schedule with a webhook; `onSecret` shows the new one. */
export function secretActions(ctx, schedule, onSecret) {
  if (!schedule.webhook_url || !ctx.can("operator")) return null;
  return h("div", { class: "actions card__actions" }, h("button", {
    type: "button", class: "btn btn--small btn--ghost",
    onclick: async (event) => {
      const button = event.currentTarget;
      const sure = await ctx.confirm({
        title: "Regenerate the webhook secret?",
        body: "The old secret stops working at once: the receiver must be given the new one, shown once.",
        confirmLabel: "Regenerate",
      });
      if (!sure) return;
      await busy(button, async () => {
        try {
          const answer = await schedules.regenerateSecret(schedule.id);
          onSecret(answer.webhook_secret);
        } catch (error) {
          ctx.fail(error);
        }
      });
    },
  }, "Regenerate webhook secret"));
}
