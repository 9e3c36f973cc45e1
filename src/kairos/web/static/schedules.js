// The schedules list (search, filters, paging, row actions) and one schedule's page.

import { ApiError, everyPage, jobs, schedulerLinks, schedules } from "./api.js";
import { busy, debounce, fill, h, select } from "./dom.js";
import { absolute, count, duration, json, needsSeconds, readableDescription, shortId } from "./format.js";
import { changesPanel, secretActions } from "./changes.js";
import { fireHistoryChart, firesPerMinuteChart, itemsPerRunChart, jobDurationsChart } from "./charts.js";
import { deliveriesPanel } from "./deliveries.js";
import { jobsTable, RUNNING_REFRESH_MS } from "./jobs.js";
import { takeSecret, webhookSecretBox } from "./schedule-scrape.js";
import { nameLink } from "./names.js";
import {
  badge, card, code, CursorPager, emptyState, fields, fireTimes, jobHref, pre, scheduleBadges, scheduleHref, statusBadge,
  table, whatItRuns, when,
} from "./widgets.js";

const PAGE_SIZE = 25;
const RECENT_JOBS_MAX = 2000;
const FILTERS = ["q", "status", "enabled", "kind", "trigger_type", "scheduler", "link_id"];

/** The trigger in the schedule's own terms: the cron expression and zone, the interval, the instant. */
function triggerDetail(s) {
  if (s.trigger_type === "cron") return [code(s.cron_expression || ""), ` · ${s.timezone}`];
  if (s.trigger_type === "interval") return `every ${duration(s.interval_seconds)}`;
  if (s.trigger_type === "once") return `once · ${absolute(s.run_at)}`;
  if (s.trigger_type === "delayed") return `once, ${duration(s.delay_seconds)} after creation`;
  return s.trigger_type;
}

/**
 * Why each linked schedule on a page cannot be changed from Kairos (id -> reason): its own entry's
 * reason, or its link's (an uploaded JSON beat_schedule is a copy). Links are asked for once per
 * view, through `links` (link id -> Promise of the link's reason).
 */
async function readOnlyReasons(items, links) {
  const reasons = new Map();
  await Promise.all(items.map(async (s) => {
    if (s.read_only_reason) {
      reasons.set(s.id, s.read_only_reason);
    } else if (s.link_id) {
      if (!links.has(s.link_id)) {
        links.set(s.link_id, schedulerLinks.get(s.link_id).then((link) => link.read_only_reason || null, () => null));
      }
      const reason = await links.get(s.link_id);
      if (reason) reasons.set(s.id, reason);
    }
  }));
  return reasons;
}

/**
 * The buttons that act on one schedule: run now, pause/resume, enable/disable, delete.
 * `afterDelete` runs once it is gone (the detail page leaves for the list); `readOnly` is why it
 * cannot be changed here, when it cannot.
 */
function scheduleActions(ctx, s, { afterDelete = null, compact = false, readOnly = null } = {}) {
  const act = (label, run, done, tone = "") => h("button", {
    type: "button",
    class: ["btn", compact ? "btn--small" : "", tone ? `btn--${tone}` : "btn--ghost"],
    onclick: (event) => busy(event.currentTarget, async () => {
      try {
        done(await run());
        ctx.refresh();
      } catch (error) {
        ctx.fail(error);
      }
    }),
  }, label);

  const name = s.name || shortId(s.id);
  // A viewer may only look; an operator may act but not delete.
  if (!ctx.can("operator")) return null;
  const buttons = [
    act("Run now", () => schedules.trigger(s.id), (job) => ctx.notify(`Triggered “${name}”.`,
      { link: { href: jobHref(job.id), text: `Job ${shortId(job.id)}` } }), "primary-soft"),
  ];
  // A linked schedule Kairos cannot write back (an uploaded JSON beat_schedule): the server refuses
  // every change with 409, so only Run now is offered, and the reason is said.
  if (readOnly) {
    buttons[0].title = `Run it once now. It cannot be changed here: ${readOnly}`;
    return h("div", { class: "actions" }, buttons,
      h("span", { class: "muted small", title: readOnly }, compact ? "Read-only" : `Read-only: ${readOnly}`));
  }
  if (!compact) {
    buttons.push(h("a", { class: "btn btn--ghost", href: `${scheduleHref(s.id)}/edit` }, "Edit"));
  }
  const titled = (button, title) => {
    button.title = title;
    return button;
  };
  if (s.status === "paused") {
    buttons.push(titled(act("Resume", () => schedules.resume(s.id), () => ctx.notify(`Resumed “${name}”.`)),
      "End the hold: it fires again from now on; fires missed while paused are not made up"));
  } else if (s.status === "active") {
    buttons.push(titled(act("Pause", () => schedules.pause(s.id), () => ctx.notify(`Paused “${name}”: no fires until resumed.`)),
      "A temporary hold (status paused) until you resume it; Run now still works"));
  }
  buttons.push(s.enabled
    ? titled(act("Disable", () => schedules.disable(s.id), () => ctx.notify(`Disabled “${name}”: switched off until enabled.`)),
      "Switch it off (enabled: false) until you enable it; Run now still works")
    : titled(act("Enable", () => schedules.enable(s.id), () => ctx.notify(`Enabled “${name}”.`)),
      "Switch it on: it fires again from now on; fires missed while off are not made up"));
  if (ctx.can("admin")) buttons.push(h("button", {
    type: "button",
    class: ["btn", compact ? "btn--small" : "", "btn--danger-soft"],
    onclick: async (event) => {
      const button = event.currentTarget;
      const sure = await ctx.confirm({
        title: `Delete “${name}”?`,
        body: "The schedule and its fire history are removed. Jobs already run are kept. This cannot be undone.",
        confirmLabel: "Delete schedule",
      });
      if (!sure) return;
      await busy(button, async () => {
        try {
          await schedules.remove(s.id);
          ctx.notify(`Deleted “${name}”.`);
          if (afterDelete) afterDelete();
          else ctx.refresh();
        } catch (error) {
          ctx.fail(error);
        }
      });
    },
  }, "Delete"));
  return h("div", { class: "actions" }, buttons);
}

// ---- the list --------------------------------------------------------------------------------

export function scheduleList(ctx) {
  ctx.setTitle("Schedules");
  const state = Object.fromEntries(FILTERS.map((name) => [name, ctx.query.get(name) || ""]));
  const pager = new CursorPager(PAGE_SIZE);
  const total = h("span", { class: "page-head__count" });
  const results = h("div", { class: "results" }, h("p", { class: "loading" }, "Loading schedules…"));

  const changed = () => {
    pager.reset();
    ctx.setQuery(state);
    ctx.refresh();
    clear.hidden = !FILTERS.some((name) => state[name]);
  };
  const bind = (name) => (event) => {
    state[name] = event.target.value.trim();
    changed();
  };
  const typed = debounce(bind("q"), 300);
  const search = h("input", {
    type: "search", class: "toolbar__search", placeholder: "Search names and targets", value: state.q,
    "aria-label": "Search schedules", "data-search": true, maxlength: 200, oninput: typed,
  });
  const filters = [
    select({ "aria-label": "Status", onchange: bind("status") },
      [["", "Any status"], ["active", "Active"], ["paused", "Paused"], ["completed", "Completed"], ["disabled", "Disabled"]],
      state.status),
    select({ "aria-label": "Enabled", onchange: bind("enabled") },
      [["", "Enabled or not"], ["true", "Enabled"], ["false", "Disabled"]], state.enabled),
    select({ "aria-label": "Kind", onchange: bind("kind") },
      [["", "Any kind"], ["task", "Task"], ["callback", "Callback"], ["scrape", "Scrape"], ["reddit", "Reddit"]], state.kind),
    select({ "aria-label": "Trigger", onchange: bind("trigger_type") },
      [["", "Any trigger"], ["cron", "Cron"], ["interval", "Interval"], ["once", "Once"], ["delayed", "Delayed"]],
      state.trigger_type),
    select({ "aria-label": "Scheduler", onchange: bind("scheduler") },
      [["", "Any scheduler"], ["kairos", "Kairos"], ["celery-beat", "Celery beat"], ["apscheduler", "APScheduler"]],
      state.scheduler),
  ];
  const clear = h("a", {
    href: "#/schedules", class: "toolbar__clear", hidden: !FILTERS.some((name) => state[name]),
  }, "Clear filters");

  const activity = h("section", { class: "card activity", "aria-label": "Activity" });
  fill(ctx.root,
    h("div", { class: "page-head" },
      h("h1", null, "Schedules ", total),
      ctx.can("operator") ? h("a", { class: "btn btn--primary", href: "#/schedules/new" }, "New schedule") : null),
    activity,
    h("div", { class: "toolbar" }, search, filters, clear),
    results);

  const links = new Map();
  const row = (s, reasons) => h("tr", { class: s.enabled ? null : "is-off" },
    h("td", null,
      h("a", { class: "row-title", href: scheduleHref(s.id) }, s.name || "(unnamed)"),
      h("div", { class: "muted small" }, s.description || shortId(s.id))),
    h("td", null, badge(s.kind, "kind"), h("div", { class: "small mono truncate", title: whatItRuns(s) }, whatItRuns(s)),
      s.strategy_id ? h("div", { class: "small" }, nameLink("strategy", s.strategy_id)) : null),
    h("td", null, h("div", null, readableDescription(s.schedule_description)), h("div", { class: "small muted" }, triggerDetail(s))),
    h("td", null, scheduleBadges(s), linkedBadge(s)),
    h("td", null, when(s.next_run_at)),
    h("td", null, when(s.last_run_at, { empty: "never" })),
    h("td", { class: "num" }, count(s.run_count)),
    h("td", null, scheduleActions(ctx, s, { compact: true, readOnly: reasons.get(s.id) })));

  async function refresh() {
    const filtersSent = Object.fromEntries(FILTERS.map((name) => [name, state[name]]));
    const hourAgo = Date.now() - 3600_000;
    const [page, recent] = await Promise.all([
      schedules.list({ ...filtersSent, ...pager.query() }),
      // Newest first: pages are followed until one reaches past the hour the chart covers.
      everyPage(jobs.list, { limit: 200 }, { max: RECENT_JOBS_MAX,
        enough: (items) => new Date(items[items.length - 1].created_at).getTime() < hourAgo }),
    ]);
    fill(activity, firesPerMinuteChart(recent.items),
      recent.truncated ? h("p", { class: "muted small" }, `Counted from the newest ${count(recent.items.length)} jobs.`) : null);
    if (!pager.loaded(page)) {
      // The page emptied under us (its schedules were deleted): step back one.
      pager.previous();
      return refresh();
    }
    total.textContent = count(page.total);
    if (!page.items.length) {
      const filtered = FILTERS.some((name) => state[name]);
      fill(results, filtered
        ? emptyState("No schedule matches these filters.", null, h("a", { href: "#/schedules" }, "Clear filters"))
        : emptyState("No schedules yet.", "A schedule runs a task or calls back a workflow on a cron, " +
          "an interval, once, or after a delay.", ctx.can("operator")
          ? h("a", { class: "btn btn--primary", href: "#/schedules/new" }, "Create the first schedule") : null));
      return {};
    }
    const reasons = await readOnlyReasons(page.items, links);
    fill(results,
      table(["Name", "Kind", "When", "Status", "Next run", "Last run", { label: "Runs", class: "num" }, ""],
        page.items.map((s) => row(s, reasons)), { className: "table--schedules" }),
      pager.render(page, () => ctx.refresh()));
    return {};
  }

  // Typing then leaving within the debounce must not write this list's query into the next page's URL.
  return { refresh, dispose: () => typed.cancel() };
}

// ---- one schedule ----------------------------------------------------------------------------

function whenFields(s) {
  return fields([
    ["Runs", readableDescription(s.schedule_description)],
    ["Trigger", s.trigger_type],
    ["Cron expression", s.cron_expression ? code(s.cron_expression) : null],
    ["Celery crontab", s.trigger ? code(Object.entries(s.trigger).map(([k, v]) => `${k}=${v}`).join(" ")) : null],
    ["Time zone", s.trigger_type === "cron" ? s.timezone : null],
    ["Every", s.interval_seconds ? `${duration(s.interval_seconds)} (${count(s.interval_seconds)} s)` : null],
    ["Run at", s.run_at ? when(s.run_at) : null],
    ["Delay", s.delay_seconds ? duration(s.delay_seconds) : null],
    ["Starts", s.start_at ? when(s.start_at) : null],
    ["Ends", s.end_at ? when(s.end_at) : null],
    ["Jitter", s.jitter_seconds ? `up to ${duration(s.jitter_seconds)}` : null],
    ["Missed fires", `${s.misfire_policy} (grace ${duration(s.misfire_grace_seconds)})`],
    ["Overlap", s.overlap_policy],
  ]);
}

function whatFields(s) {
  return fields([
    ["Kind", badge(s.kind, "kind")],
    ["Task", s.task ? code(s.task) : null],
    ["Executor", s.kind === "task" ? s.executor : null],
    ["Arguments", s.args && s.args.length ? pre(json(s.args)) : null],
    ["Keyword arguments", s.kwargs && Object.keys(s.kwargs).length ? pre(json(s.kwargs)) : null],
    ["Callback", s.callback_type ? `${s.callback_type}` : null],
    ["Callback target", s.callback_id ? code(s.callback_id) : null],
    ["Strategy", s.strategy_id ? nameLink("strategy", s.strategy_id) : null],
    ["URL", s.url ? code(s.url) : null],
    ["URLs", s.urls && s.urls.length ? h("ul", { class: "plain-list" }, s.urls.map((u) => h("li", null, code(u)))) : null],
    ["Parameters", s.parameters && Object.keys(s.parameters).length ? pre(json(s.parameters)) : null],
    ["Attempts", `${s.max_attempts}${s.max_attempts > 1 ? `, ${duration(s.retry_delay_seconds)} apart` : ""}`],
    ["Timeout", s.timeout_seconds ? duration(s.timeout_seconds) : "none"],
    ["Webhook", s.webhook_url ? code(s.webhook_url) : "none"],
    ["Webhook type", s.webhook_url ? s.webhook_type : null],
    ["Webhook metadata", Object.keys(s.webhook_metadata || {}).length ? pre(json(s.webhook_metadata)) : null],
  ]);
}

function stateFields(s) {
  return fields([
    ["Status", scheduleBadges(s)],
    ["Next run", when(s.next_run_at, { empty: s.enabled ? "not scheduled" : "disabled" })],
    ["Last run", when(s.last_run_at, { empty: "never" })],
    ["Runs", count(s.run_count)],
    ["Scheduler", s.scheduler],
    ["Created", when(s.created_at)],
    ["Updated", when(s.updated_at)],
    ["ID", code(s.id)],
    ["Workspace", code(s.workspace_id)],
  ]);
}

function upcomingList(s, upcoming) {
  if (!upcoming) return h("p", { class: "muted" }, "Could not compute the next fire times.");
  if (!upcoming.items.length) return h("p", { class: "muted" }, "This schedule will not fire again.");
  const note = s.status === "paused" || !s.enabled
    ? h("p", { class: "note" }, s.enabled ? "Paused: these run only once resumed." : "Disabled: these run only once enabled.")
    : null;
  return [note, fireTimes(upcoming.items, { zone: s.trigger_type === "cron" ? s.timezone : null })];
}

/** A schedule another scheduler decides: its scheduler's name, linking to the links page. */
function linkedBadge(s) {
  if (!s.scheduler || s.scheduler === "kairos") return null;
  return h("a", { class: "linked", href: "#/links", title: s.read_only_reason || `Decided by ${s.scheduler}` },
    badge(s.scheduler, "info"));
}

function firesTable(fires) {
  if (!fires || !fires.length) return h("p", { class: "muted" }, "No fires yet.");
  const seconds = needsSeconds(fires.map((f) => f.scheduled_for));
  // Only fires handed to Celery carry a task id; the column is shown when one does.
  const celery = fires.some((f) => f.task_id);
  return table(["Scheduled for", "Fired", "Trigger", "Status", "Job", ...(celery ? ["Celery task id"] : [])], fires.map((f) => [
    when(f.scheduled_for, { seconds }),
    when(f.fired_at, { inline: true }),
    badge(f.trigger, f.trigger === "manual" ? "info" : "muted"),
    statusBadge("fire", f.status),
    f.job_id ? h("a", { class: "mono", href: jobHref(f.job_id) }, shortId(f.job_id)) : h("span", { class: "muted" }, "—"),
    ...(celery ? [f.task_id ? code(f.task_id) : h("span", { class: "muted" }, "—")] : []),
  ]), { className: "table--compact" });
}

const TABS = [["overview", "Overview"], ["changes", "Changes"], ["deliveries", "Deliveries"]];

export function scheduleDetail(ctx) {
  const [scheduleId] = ctx.params;
  ctx.setTitle("Schedule");
  let tab = TABS.some(([name]) => name === ctx.query.get("tab")) ? ctx.query.get("tab") : "overview";
  const secret = takeSecret(scheduleId);
  const links = new Map();
  const head = h("div", { class: "detail-head" }, h("p", { class: "loading" }, "Loading schedule…"));
  const secretSlot = h("div", null, secret ? webhookSecretBox(secret, ctx.notify) : null);
  const panels = {
    overview: h("div", { class: "detail" }, h("p", { class: "loading" }, "Loading…")),
    changes: changesPanel(ctx, scheduleId),
    deliveries: deliveriesPanel(ctx, scheduleId),
  };
  const choose = (name) => {
    tab = name;
    ctx.setQuery({ tab: name === "overview" ? "" : name });
    showTab();
    ctx.refresh();
  };
  const tabBar = h("div", { class: "tabs", role: "tablist", "aria-label": "Schedule" }, TABS.map(([name, label]) => h("button", {
    type: "button", role: "tab", class: "tabs__tab", id: `tab-${name}`, "aria-controls": `panel-${name}`,
    "aria-selected": String(name === tab), dataset: { tab: name }, onclick: () => choose(name),
  }, label)));
  // The tab pattern: one tab in the Tab order, arrow keys (and Home/End) move between tabs.
  tabBar.addEventListener("keydown", (event) => {
    const order = TABS.map(([name]) => name);
    const at = order.indexOf(tab);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: order.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    choose(order[(next + order.length) % order.length]);
    tabBar.querySelector(`[data-tab="${tab}"]`).focus();
  });
  const panelNode = (panel) => (panel instanceof Node ? panel : panel.node);
  for (const [name, panel] of Object.entries(panels)) {
    const node = panelNode(panel);
    node.id = `panel-${name}`;
    node.setAttribute("role", "tabpanel");
    node.setAttribute("aria-labelledby", `tab-${name}`);
  }
  const body = h("div", null, Object.values(panels).map(panelNode));
  function showTab() {
    for (const button of tabBar.children) {
      const selected = button.dataset.tab === tab;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
    }
    for (const [name, panel] of Object.entries(panels)) panelNode(panel).hidden = name !== tab;
  }
  showTab();
  fill(ctx.root, h("a", { class: "back", href: "#/schedules" }, "← Schedules"), head, secretSlot, tabBar, body);

  async function refresh() {
    let s;
    try {
      s = await schedules.get(scheduleId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        ctx.setTitle("Schedule not found");
        tabBar.hidden = true;
        fill(head, emptyState("This schedule does not exist.", "It may have been deleted, or it belongs to another " +
          "workspace.", h("a", { href: "#/schedules" }, "Back to schedules")));
        fill(body);
        return { stop: true };
      }
      throw error;
    }
    ctx.setTitle(s.name || "Schedule");
    const readOnly = (await readOnlyReasons([s], links)).get(s.id) || null;
    fill(head,
      h("div", null,
        h("h1", null, s.name || "(unnamed)", " ", scheduleBadges(s)),
        s.description ? h("p", { class: "muted" }, s.description) : null),
      scheduleActions(ctx, s, { afterDelete: () => ctx.navigate("#/schedules"), readOnly }));
    if (tab !== "overview") return panels[tab].refresh(s);
    const [upcoming, jobPage, firePage] = await Promise.all([
      schedules.upcoming(scheduleId, 10).catch(() => null),
      jobs.list({ schedule_id: scheduleId, limit: 100 }),
      schedules.fires(scheduleId, { limit: 200 }),
    ]);
    const recentJobs = jobPage.items.slice(0, 10);
    fill(panels.overview,
      h("div", { class: "grid" },
        card("When", whenFields(s)),
        card("What", whatFields(s), secretActions(ctx, s, (value) => fill(secretSlot, webhookSecretBox(value, ctx.notify)))),
        card("State", stateFields(s)),
        card("Next 10 fire times", upcomingList(s, upcoming))),
      card("History", h("div", { class: "charts" },
        fireHistoryChart(firePage.items),
        jobDurationsChart(jobPage.items),
        s.kind === "scrape" ? itemsPerRunChart(jobPage.items) : null)),
      card("Recent fires", firesTable(s.recent_fires)),
      card("Jobs",
        recentJobs.length ? jobsTable(ctx, recentJobs, { showSchedule: false }) : h("p", { class: "muted" }, "No jobs yet."),
        jobPage.total > recentJobs.length
          ? h("a", { class: "more", href: `#/jobs?schedule_id=${encodeURIComponent(s.id)}` }, `All ${count(jobPage.total)} jobs →`)
          : null));
    const live = jobPage.items.some((job) => job.status === "running");
    return live ? { interval: RUNNING_REFRESH_MS } : {};
  }

  return {
    refresh,
    dispose() {
      for (const panel of Object.values(panels)) if (panel.dispose) panel.dispose();
    },
  };
}
