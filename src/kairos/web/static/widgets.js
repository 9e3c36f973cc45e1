// Small building blocks shared by the views: badges, times, progress bars, tables, paging.

import { h } from "./dom.js";
import { absolute, clockChangeNotes, displayZone, duration, exact, needsSeconds, relative } from "./format.js";

const TONES = {
  schedule: { active: "ok", paused: "warn", completed: "muted" },
  job: { pending: "muted", running: "info", completed: "ok", failed: "bad", cancelled: "warn" },
  fire: { pending: "muted", running: "info", succeeded: "ok", failed: "bad", skipped: "muted", cancelled: "warn" },
};

export const scheduleHref = (scheduleId) => `#/schedules/${encodeURIComponent(scheduleId)}`;
export const jobHref = (jobId) => `#/jobs/${encodeURIComponent(jobId)}`;

/** What a schedule or job runs, in one line: "kairos.sleep", "workflow · wf-123". */
export function whatItRuns(item) {
  if (item.kind === "task") return item.task || "";
  if (item.kind === "callback") return [item.callback_type, item.callback_id].filter(Boolean).join(" · ");
  if (item.kind === "scrape") {
    const urls = Array.isArray(item.urls) && item.urls.length ? `${item.urls.length} URLs` : item.url;
    return urls || "";
  }
  if (item.kind === "reddit") return item.target ? `${item.target_type === "user" ? "u/" : "r/"}${item.target}` : "";
  return "";
}

export function badge(text, tone = "muted", title = undefined) {
  return h("span", { class: ["badge", `badge--${tone}`], title }, text);
}

/** A status badge coloured by what the status means for that kind of record. */
export function statusBadge(domain, status) {
  return badge(status, (TONES[domain] || {})[status] || "muted");
}

/**
 * The badges of a schedule: "disabled" when switched off, "paused" when held, else its status.
 * The server shows every switched-off schedule's status as "disabled" (and an older answer may
 * say "active"): neither is drawn beside the "disabled" badge.
 */
export function scheduleBadges(schedule) {
  const off = schedule.enabled ? null : badge("disabled", "off", "Disabled: it will not fire until enabled");
  const hidden = !schedule.enabled && (schedule.status === "active" || schedule.status === "disabled");
  const status = hidden ? null : statusBadge("schedule", schedule.status);
  return h("span", { class: "badges" }, off, status);
}

/** A time as "in 5 minutes" over "1 Dec 2026, 09:00 CET", with the exact instant (both zones) on hover. */
export function when(iso, { empty = "—", inline = false, seconds = null } = {}) {
  if (!iso) return h("span", { class: "muted" }, empty);
  const title = exact(iso);
  if (inline) return h("time", { datetime: iso, title }, relative(iso));
  return h("span", { class: "when" },
    h("time", { datetime: iso, title }, relative(iso)),
    h("small", { class: "muted" }, absolute(iso, { seconds })));
}

/**
 * Upcoming fire times: each exact (seconds when any has them), how far off, the time in the
 * schedule's own zone when that is not the one shown, and a note where the clocks change (DST).
 */
export function fireTimes(isos, { zone = null } = {}) {
  const seconds = needsSeconds(isos);
  const notes = clockChangeNotes(isos, zone);
  const ownZone = zone && zone !== displayZone() ? zone : null;
  return h("ol", { class: "upcoming" }, isos.map((iso, index) => h("li", null,
    h("time", { class: "upcoming__time", datetime: iso, title: exact(iso) }, absolute(iso, { seconds })),
    h("span", { class: "muted" }, relative(iso)),
    ownZone ? h("span", { class: "muted small" }, `${absolute(iso, { seconds, timeZone: ownZone })} (${ownZone})`) : null,
    notes[index] ? h("span", { class: "dst-note", role: "note" }, notes[index]) : null)));
}

export function elapsed(seconds) {
  return seconds === null || seconds === undefined ? h("span", { class: "muted" }, "—") : duration(seconds);
}

/** A bar for a job's live `progress`; indeterminate while running without a total. */
export function progressBar(progress, status, { compact = false, name = "Progress" } = {}) {
  const p = progress || {};
  const percent = typeof p.percent === "number" ? Math.max(0, Math.min(100, p.percent)) : null;
  const finished = status === "completed";
  const fill = h("span", { class: "progress__fill" });
  const shown = finished ? 100 : percent;
  if (shown !== null) fill.style.width = `${shown}%`;
  const bar = h("span", {
    class: ["progress", `progress--${status}`, shown === null && status === "running" && "progress--indeterminate"],
    role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100,
    "aria-valuenow": shown === null ? undefined : shown,
    "aria-label": name,
    "aria-valuetext": [shown === null ? status : `${shown}%`, p.message].filter(Boolean).join(", "),
  }, fill);
  const counts = typeof p.current === "number" && typeof p.total === "number" ? `${p.current} / ${p.total}` : "";
  const label = [percent !== null && !finished ? `${percent}%` : "", counts].filter(Boolean).join(" · ");
  return h("span", { class: ["progress-wrap", compact && "progress-wrap--compact"] },
    bar,
    h("span", { class: "progress__label" }, label, p.message ? h("span", { class: "muted" }, ` ${p.message}`) : null));
}

/** A table with a header row; `rows` are arrays of cells (nodes or text) or ready `<tr>` nodes. */
export function table(columns, rows, { className } = {}) {
  return h("div", { class: "table-wrap" },
    h("table", { class: ["table", className] },
      h("thead", null, h("tr", null, columns.map((c) => {
        const label = typeof c === "string" ? c : c.label;
        // A column of buttons still needs a header a screen reader can announce.
        return h("th", { class: typeof c === "string" ? null : c.class },
          label || h("span", { class: "visually-hidden" }, "Actions"));
      }))),
      h("tbody", null, rows.map((row) => (row instanceof Node ? row : h("tr", null, row.map((cell) => h("td", null, cell))))))));
}

/** A labelled list of values; rows whose value is null or undefined are left out. */
export function fields(rows) {
  return h("dl", { class: "fields" }, rows
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([label, value]) => [h("dt", null, label), h("dd", null, value)]));
}

export function code(text) {
  return h("code", null, text);
}

export function pre(text) {
  return h("pre", { class: "json" }, text);
}

export function emptyState(title, body, action = null) {
  return h("div", { class: "empty" }, h("p", { class: "empty__title" }, title),
    body ? h("p", { class: "muted" }, body) : null, action);
}

export function card(title, ...children) {
  return h("section", { class: "card" }, title ? h("h2", { class: "card__title" }, title) : null, ...children);
}

/**
 * Cursor paging: the API gives only a `next_cursor`, so earlier pages are remembered here
 * (the cursor that opened each page) to make "Previous" possible.
 */
export class CursorPager {
  constructor(limit) {
    this.limit = limit;
    this.reset();
  }

  reset() {
    this.cursors = [null];
    this.index = 0;
    this.nextCursor = null;
  }

  query() {
    const cursor = this.cursors[this.index];
    return cursor ? { limit: this.limit, cursor } : { limit: this.limit };
  }

  /** Record the page just loaded; returns false when it came back empty past the first page. */
  loaded(page) {
    this.nextCursor = page.has_more ? page.next_cursor : null;
    return !(this.index > 0 && page.items.length === 0);
  }

  next() {
    if (!this.nextCursor) return false;
    this.cursors = this.cursors.slice(0, this.index + 1);
    this.cursors.push(this.nextCursor);
    this.index += 1;
    return true;
  }

  previous() {
    if (this.index === 0) return false;
    this.index -= 1;
    return true;
  }

  /** "51–100 of 230" with Previous and Next buttons. */
  render(page, onMove) {
    const start = this.index * this.limit;
    const range = page.items.length ? `${start + 1}–${start + page.items.length} of ${page.total}` : `0 of ${page.total}`;
    return h("nav", { class: "pager", "aria-label": "Pages" },
      h("span", { class: "muted" }, range),
      h("button", { type: "button", class: "btn btn--ghost", disabled: this.index === 0,
        onclick: () => this.previous() && onMove() }, "← Previous"),
      h("button", { type: "button", class: "btn btn--ghost", disabled: !this.nextCursor,
        onclick: () => this.next() && onMove() }, "Next →"));
  }
}
