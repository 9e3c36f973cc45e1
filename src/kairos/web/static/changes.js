// A schedule's "Changes" tab (the change feed, newest first, each changed item diffed field by field,
// previewed without marking, with a filter, "Mark seen", and the history of seen ones); and the
// button that regenerates the webhook secret.

import { ApiError, schedules } from "./api.js";
import { busy, debounce, fill, h } from "./dom.js";
import { count, shortId } from "./format.js";
import { segmented } from "./form-controls.js";
import { diffItems } from "./item-diff.js";
import { itemsView } from "./strategy-test.js";
import { badge, emptyState, jobHref, table, when } from "./widgets.js";

const CHANGES_LIMIT = 20;
const HISTORY_PAGE = 20;
const HISTORY_MAX = 200; // the most runs the API examines in one answer; it has no cursor
const VIEWS = [["unseen", "Unseen"], ["history", "History, seen too"]];

function itemList(title, items, tone) {
  if (!items || !items.length) return null;
  return h("div", { class: ["change__items", `change__items--${tone}`] },
    h("h3", null, `${title} (${count(items.length)})`), itemsView(items, { limit: 20 }));
}

const valueText = (value) => (value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value));

/** One item whose values changed: its key, then each changed field before and after. */
function changedItem(key, pair) {
  return h("li", { class: "change__pair" },
    h("p", { class: "change__key" }, h("span", { class: "muted small" }, `${key} `), h("strong", null, valueText(pair.id))),
    table(["Field", "Before", "After"], pair.fields.map((f) => [
      h("code", null, f.name),
      h("del", { class: "diff__before" }, valueText(f.before)),
      h("ins", { class: "diff__after" }, valueText(f.after)),
    ]), { className: "table--compact table--diff" }));
}

function changeCard(change, { filtered }) {
  const diff = diffItems(change.added || [], change.removed || []);
  const nothing = !diff.changed.length && !diff.added.length && !diff.removed.length;
  return h("article", { class: "card change" },
    h("header", { class: "change__head" },
      h("a", { class: "mono", href: jobHref(change.job_id) }, `Job ${shortId(change.job_id)}`),
      when(change.completed_at, { inline: true }),
      h("span", { class: "muted small" }, `${count(change.item_count)} items`),
      change.seen ? badge("seen", "muted") : badge("new", "info")),
    diff.changed.length ? h("div", { class: "change__items change__items--changed" },
      h("h3", null, `Changed (${count(diff.changed.length)})`, h("span", { class: "muted small" }, ` matched by ${diff.key}`)),
      h("ul", { class: "plain-list" }, diff.changed.map((pair) => changedItem(diff.key, pair)))) : null,
    itemList("Added", diff.added, "added"),
    itemList("Removed", diff.removed, "removed"),
    (change.results || []).length ? h("details", null,
      h("summary", null, `${filtered ? "Items matching the filter" : "All items of this run"} (${count(change.results.length)})`),
      itemsView(change.results)) : null,
    nothing ? h("p", { class: "muted small" }, filtered
      ? "None of the items this run added or removed match the filter."
      : "No item was added or removed: only their order changed.") : null);
}

/** The changed runs and how many were marked seen (`{changes, marked_seen: bool, marked_count: N}`). */
export function readChanges(answer) {
  return { items: answer.changes || [], marked: answer.marked_count ?? 0 };
}

/**
 * The change feed of one schedule, newest first: the unseen runs (previewed, `mark_seen=false`,
 * with "Mark seen"), or the history of every changed run, seen ones too, a page more at a time.
 */
export function changesPanel(ctx, scheduleId) {
  let filter = ctx.query.get("filter") || "";
  let view = ctx.query.get("view") === "history" ? "history" : "unseen";
  let historyLimit = HISTORY_PAGE;
  const results = h("div", null, h("p", { class: "loading" }, "Loading changes…"));
  const summary = h("span", { class: "muted small" });
  const remember = () => ctx.setQuery({ tab: "changes", filter, view: view === "history" ? view : "" });
  const typed = debounce((event) => {
    filter = event.target.value.trim();
    remember();
    ctx.refresh();
  }, 400);
  const search = h("input", {
    type: "search", class: "toolbar__search mono", value: filter, maxlength: 500,
    placeholder: "+price -sold \"free shipping\" title:kairos", "aria-label": "Filter items", oninput: typed,
  });
  // How many runs the last preview showed: marking takes exactly those (the oldest unseen
  // first), so a change that lands after the preview is not marked unseen-but-unshown.
  let shown = 0;
  const markSeen = h("button", {
    type: "button", class: "btn btn--primary-soft",
    onclick: (event) => busy(event.currentTarget, async () => {
      try {
        const { marked } = readChanges(await schedules.changes(scheduleId, { mark_seen: true, limit: shown }));
        ctx.notify(`Marked ${count(marked)} run${marked === 1 ? "" : "s"} as seen; they stay in the history.`);
        ctx.refresh();
      } catch (error) {
        ctx.fail(error);
      }
    }),
  }, "Mark seen");
  const viewPicker = segmented("changes-view", VIEWS, view, (event) => {
    view = event.target.value;
    historyLimit = HISTORY_PAGE;
    remember();
    ctx.refresh();
  }, "Which changes");
  const older = h("button", { type: "button", class: "btn btn--ghost", hidden: true, onclick: () => {
    historyLimit = Math.min(HISTORY_MAX, historyLimit + HISTORY_PAGE);
    ctx.refresh();
  } }, "Show older");
  const end = h("p", { class: "muted small", hidden: true },
    `The newest ${HISTORY_MAX} changed runs are shown; older ones are kept but not listed here.`);
  const filterError = h("p", { class: "preview__error", hidden: true });
  const node = h("div", { class: "tab-panel" },
    h("div", { class: "toolbar" }, viewPicker, search, markSeen, summary),
    h("p", { class: "muted small" }, "Lucene-style: +word required, -word excluded, \"a phrase\", field:word. ",
      "Looking marks nothing as seen; only “Mark seen” does."),
    filterError,
    results,
    older,
    end);

  async function refresh() {
    const history = view === "history";
    let answer;
    try {
      answer = await schedules.changes(scheduleId, history
        ? { history: true, mark_seen: false, filter, limit: historyLimit }
        : { mark_seen: false, filter, limit: CHANGES_LIMIT });
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
    // The unseen feed comes oldest first (the order marking takes); a person reads newest first.
    const newestFirst = history ? items : [...items].reverse();
    summary.textContent = `${count(items.length)} ${history ? "changed runs" : "unseen"}${answer.filter_applied ? " (filtered)" : ""}`;
    shown = history ? 0 : items.length;
    markSeen.hidden = history;
    // With a filter the server marks every run it examines, hidden ones too: marking is offered
    // only on the unfiltered feed, where what is marked is what is shown.
    markSeen.disabled = !items.length || Boolean(filter);
    markSeen.title = filter ? "Clear the filter to mark runs seen: with a filter, runs it hides would be marked too"
      : "Mark the changes shown here as seen; they stay in the history";
    older.hidden = !history || items.length < historyLimit || historyLimit >= HISTORY_MAX;
    end.hidden = !history || historyLimit < HISTORY_MAX || items.length < HISTORY_MAX;
    fill(results, newestFirst.length ? newestFirst.map((change) => changeCard(change, { filtered: Boolean(filter) }))
      : emptyState(history ? (filter ? "No changed run matches this filter." : "No changed runs yet.")
        : (filter ? "No unseen change matches this filter." : "No unseen changes."),
      history ? "A change is a completed job whose items differ from the run before."
        : "Changes marked seen are kept under “History, seen too”."));
    return { interval: 15000 };
  }

  // Typing then leaving within the debounce must not write this page's query into the next one's URL.
  return { node, refresh, dispose: () => typed.cancel() };
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
