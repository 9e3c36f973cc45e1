// The jobs list (status filter, paging, live progress, cancel) and one job's page.

import { ApiError, jobs } from "./api.js";
import { busy, fill, h, select } from "./dom.js";
import { count, json, shortId } from "./format.js";
import { itemsCard, pagesCard } from "./job-items.js";
import { nameLink } from "./names.js";
import { mediaFiles, redditJobCards } from "./reddit.js";
import {
  badge, card, code, CursorPager, elapsed, emptyState, fields, jobHref, pre, progressBar, scheduleHref, statusBadge,
  table, whatItRuns, when,
} from "./widgets.js";

/** How often a view polls while a job it shows is running, so progress moves smoothly. */
export const RUNNING_REFRESH_MS = 1000;
const PAGE_SIZE = 25;
const FILTERS = ["status", "kind", "schedule_id"];
const LIVE = new Set(["pending", "running"]);

function cancelButton(ctx, job, { compact = false } = {}) {
  return h("button", {
    type: "button",
    class: ["btn", compact && "btn--small", "btn--danger-soft"],
    onclick: async (event) => {
      const button = event.currentTarget;
      const sure = await ctx.confirm({
        title: "Cancel this job?",
        body: job.status === "running"
          ? "The worker is told to stop at once; what the job has stored so far is kept."
          : "The job will not start.",
        confirmLabel: "Cancel job",
        dismissLabel: "Keep it",
      });
      if (!sure) return;
      await busy(button, async () => {
        try {
          await jobs.cancel(job.id);
          ctx.notify(`Cancelled job ${shortId(job.id)}.`);
          ctx.refresh();
        } catch (error) {
          ctx.fail(error);
        }
      });
    },
  }, "Cancel");
}

function progressCell(job) {
  if (job.status === "running" || (job.progress && Object.keys(job.progress).length)) {
    return progressBar(job.progress, job.status, { compact: true, name: `Progress of job ${shortId(job.id)}` });
  }
  return h("span", { class: "muted" }, "—");
}

/** A table of jobs; `showSchedule` adds the schedule column (the schedule page leaves it out). */
export function jobsTable(ctx, items, { showSchedule = true } = {}) {
  const columns = ["Job", "What", showSchedule && "Schedule", "Status", "Progress", "Created", "Duration",
    { label: "Attempt", class: "num" }, ""].filter(Boolean);
  const rows = items.map((job) => h("tr", null, [
    h("td", null, h("a", { class: "mono", href: jobHref(job.id) }, shortId(job.id)),
      job.trigger === "manual" ? h("div", null, badge("manual", "info")) : null),
    h("td", null, badge(job.kind, "kind"), h("div", { class: "small mono truncate", title: whatItRuns(job) }, whatItRuns(job)),
      job.strategy_id ? h("div", { class: "small" }, nameLink("strategy", job.strategy_id)) : null),
    showSchedule ? h("td", null, job.schedule_id
      ? nameLink("schedule", job.schedule_id)
      : h("span", { class: "muted small" }, "one-off")) : null,
    h("td", null, statusBadge("job", job.status)),
    h("td", { class: "cell-progress" }, progressCell(job)),
    h("td", null, when(job.created_at)),
    h("td", null, elapsed(job.duration_seconds)),
    h("td", { class: "num" }, `${job.attempt}/${job.max_attempts}`),
    h("td", null, LIVE.has(job.status) && ctx.can("operator") ? cancelButton(ctx, job, { compact: true }) : null),
  ]));
  return table(columns, rows, { className: "table--jobs" });
}

// ---- the list --------------------------------------------------------------------------------

export function jobList(ctx) {
  ctx.setTitle("Jobs");
  const state = Object.fromEntries(FILTERS.map((name) => [name, ctx.query.get(name) || ""]));
  const pager = new CursorPager(PAGE_SIZE);
  const total = h("span", { class: "page-head__count" });
  const results = h("div", { class: "results" }, h("p", { class: "loading" }, "Loading jobs…"));
  const changed = () => {
    pager.reset();
    ctx.setQuery(state);
    ctx.refresh();
  };
  const bind = (name) => (event) => {
    state[name] = event.target.value;
    changed();
  };
  const scheduleChip = h("span", { class: "chip", hidden: !state.schedule_id },
    "Schedule ", h("a", { class: "mono", href: scheduleHref(state.schedule_id || "") }, shortId(state.schedule_id)),
    h("button", {
      type: "button", class: "chip__remove", "aria-label": "Show jobs of every schedule",
      onclick: () => {
        state.schedule_id = "";
        scheduleChip.hidden = true;
        changed();
      },
    }, "×"));

  fill(ctx.root,
    h("div", { class: "page-head" }, h("h1", null, "Jobs ", total)),
    h("div", { class: "toolbar" },
      select({ "aria-label": "Status", onchange: bind("status") }, [["", "Any status"], ["pending", "Pending"],
        ["running", "Running"], ["completed", "Completed"], ["failed", "Failed"], ["cancelled", "Cancelled"]],
      state.status),
      select({ "aria-label": "Kind", onchange: bind("kind") }, [["", "Any kind"], ["task", "Task"],
        ["callback", "Callback"], ["scrape", "Scrape"], ["reddit", "Reddit"]], state.kind),
      scheduleChip),
    results);

  async function refresh() {
    const filtersSent = Object.fromEntries(FILTERS.map((name) => [name, state[name]]));
    const page = await jobs.list({ ...filtersSent, ...pager.query() });
    if (!pager.loaded(page)) {
      pager.previous();
      return refresh();
    }
    total.textContent = count(page.total);
    if (!page.items.length) {
      fill(results, FILTERS.some((name) => state[name])
        ? emptyState("No job matches these filters.", null, h("a", { href: "#/jobs" }, "Clear filters"))
        : emptyState("No jobs yet.", "Jobs appear here when a schedule fires or is run by hand."));
      return {};
    }
    fill(results, jobsTable(ctx, page.items), pager.render(page, () => ctx.refresh()));
    return page.items.some((job) => job.status === "running") ? { interval: RUNNING_REFRESH_MS } : {};
  }

  return { refresh };
}

// ---- one job ---------------------------------------------------------------------------------

async function download(ctx, button, job, format) {
  await busy(button, async () => {
    try {
      const blob = await jobs.results(job.id, format);
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: `${job.id}.${format}` });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) {
      ctx.fail(error);
    }
  });
}

function progressCard(job) {
  const p = job.progress || {};
  const extra = Object.entries(p).filter(([name]) => !["current", "total", "percent", "message", "updated_at"].includes(name));
  return card("Progress",
    progressBar(p, job.status, { name: "Job progress" }),
    extra.length ? fields(extra.map(([name, value]) => [name, typeof value === "object" ? json(value) : String(value)])) : null);
}

function resultCard(ctx, job) {
  const hasResult = job.result !== null && job.result !== undefined;
  const downloads = job.status === "completed" ? h("div", { class: "actions" },
    ["json", "csv"].map((format) => h("button", {
      type: "button", class: "btn btn--ghost btn--small",
      onclick: (event) => download(ctx, event.currentTarget, job, format),
    }, `Download ${format.toUpperCase()}`))) : null;
  return card("Result",
    hasResult ? pre(json(job.result)) : h("p", { class: "muted" }, LIVE.has(job.status) ? "Not finished yet." : "No result."),
    hasResult ? downloads : null);
}

function detailFields(job) {
  return fields([
    ["Status", statusBadge("job", job.status)],
    ["Kind", badge(job.kind, "kind")],
    ["Task", job.task ? code(job.task) : null],
    ["Strategy", job.strategy_id ? nameLink("strategy", job.strategy_id) : null],
    ["URL", job.url ? code(job.url) : null],
    ["URLs", job.urls && job.urls.length ? `${count(job.urls.length)} URLs` : null],
    ["Parameters", job.parameters && Object.keys(job.parameters).length ? pre(json(job.parameters)) : null],
    ["Arguments", job.args && job.args.length ? pre(json(job.args)) : null],
    ["Keyword arguments", job.kwargs && Object.keys(job.kwargs).length ? pre(json(job.kwargs)) : null],
    ["Executor", job.executor],
    ["Callback", job.callback_type ? [job.callback_type, " ", code(job.callback_id || "")] : null],
    ["Schedule", job.schedule_id ? nameLink("schedule", job.schedule_id) : "one-off"],
    ["Trigger", job.trigger],
    ["Scheduled for", job.scheduled_for ? when(job.scheduled_for) : null],
    ["Created", when(job.created_at)],
    ["Started", when(job.started_at, { empty: "not yet" })],
    ["Finished", when(job.completed_at, { empty: "not yet" })],
    ["Duration", elapsed(job.duration_seconds)],
    ["Attempt", `${job.attempt} of ${job.max_attempts}`],
    ["Items", job.item_count === null ? null : count(job.item_count)],
    ["Changed", job.has_changes === null ? null : (job.has_changes ? "yes" : "no")],
    ["Content hash", job.content_hash ? code(job.content_hash) : null],
    ["Task id", job.task_id ? code(job.task_id) : null],
    ["ID", code(job.id)],
  ]);
}

export function jobDetail(ctx) {
  const [jobId] = ctx.params;
  ctx.setTitle(`Job ${shortId(jobId)}`);
  const body = h("div", { class: "detail" }, h("p", { class: "loading" }, "Loading job…"));
  const itemCache = new Map();
  const reddit = { files: mediaFiles(), mediaKey: null, mediaCard: null };
  fill(ctx.root, h("a", { class: "back", href: "#/jobs" }, "← Jobs"), body);

  async function refresh() {
    let job;
    try {
      job = await jobs.get(jobId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        fill(body, emptyState("This job does not exist.", "It may belong to another workspace.",
          h("a", { href: "#/jobs" }, "Back to jobs")));
        return { stop: true };
      }
      throw error;
    }
    fill(body,
      h("div", { class: "detail-head" },
        h("div", null,
          h("h1", null, "Job ", h("span", { class: "mono" }, shortId(job.id)), " ", statusBadge("job", job.status)),
          h("p", { class: "muted" }, [job.kind, whatItRuns(job)].filter(Boolean).join(" · "))),
        LIVE.has(job.status) && ctx.can("operator") ? h("div", { class: "actions" }, cancelButton(ctx, job)) : null),
      job.error_message ? card("Error", h("pre", { class: "error-text" }, job.error_message)) : null,
      job.status === "running" || Object.keys(job.progress || {}).length ? progressCard(job) : null,
      h("div", { class: "grid grid--wide" },
        card("Details", detailFields(job)),
        resultCard(ctx, job)),
      pagesCard(job),
      ...redditJobCards(ctx, job, reddit),
      itemsCard(ctx, job, itemCache));
    return LIVE.has(job.status) ? { interval: RUNNING_REFRESH_MS } : {};
  }

  return { refresh, dispose: () => reddit.files.dispose() };
}
