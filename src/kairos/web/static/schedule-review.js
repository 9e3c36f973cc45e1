// What an edit of a schedule will change, shown before it is saved, and the PATCH body that
// changes exactly that: the server keeps the schedule's id, history, jobs and webhook secret.

import { h } from "./dom.js";
import { absolute, duration, json } from "./format.js";
import { fireTimes, table } from "./widgets.js";

const TRIGGER = ["trigger_type", "cron_expression", "timezone", "interval_seconds", "run_at", "delay_seconds"];
const KIND = ["kind", "task", "args", "kwargs", "executor", "callback_type", "callback_id", "strategy_id", "url",
  "urls", "parameters", "target", "target_type", "mode", "limit", "download_media", "scrape_comments", "plugins",
  "config"];
const LABELS = {
  name: "Name", description: "Description", trigger_type: "Trigger", cron_expression: "Cron expression",
  timezone: "Time zone", interval_seconds: "Every", run_at: "Run at", delay_seconds: "Run after",
  start_at: "Start at", end_at: "End at", kind: "Kind", task: "Task", args: "Arguments",
  kwargs: "Keyword arguments", executor: "Executor", callback_type: "Callback type", callback_id: "Workflow or URL",
  strategy_id: "Strategy", url: "URL", urls: "URLs", parameters: "Parameters", webhook_url: "Webhook URL",
  webhook_type: "Webhook type", webhook_metadata: "Webhook metadata", overlap_policy: "When a run is still going",
  misfire_policy: "After downtime", jitter_seconds: "Jitter", misfire_grace_seconds: "Misfire grace",
  timeout_seconds: "Timeout", max_attempts: "Attempts", retry_delay_seconds: "Retry delay", enabled: "Enabled",
  target: "Subreddit or user", target_type: "Target type", mode: "Mode", limit: "Posts per run",
  download_media: "Download media", scrape_comments: "Comments", plugins: "Plugins", config: "Config",
};
const SECONDS = new Set(["interval_seconds", "delay_seconds", "jitter_seconds", "misfire_grace_seconds",
  "timeout_seconds", "retry_delay_seconds"]);
const INSTANTS = new Set(["run_at", "start_at", "end_at"]);

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function groupOf(name) {
  if (TRIGGER.includes(name)) return "trigger";
  if (KIND.includes(name)) return "kind";
  return name;
}

/** The fields whose value differs between two bodies read from the form: `{name, label, group, before, after}`. */
export function changedFields(before, after) {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return names.filter((name) => !same(before[name], after[name])).map((name) => ({
    name, label: LABELS[name] || name, group: groupOf(name), before: before[name], after: after[name],
  }));
}

/**
 * The PATCH body for `changes`: a changed trigger or kind is sent whole (the server replaces the
 * old one rather than mixing fields of both); any other field is sent alone, null when cleared.
 */
export function patchBody(changes, body) {
  const patch = {};
  const groups = new Set(changes.map((change) => change.group));
  for (const [group, names] of [["trigger", TRIGGER], ["kind", KIND]]) {
    if (!groups.has(group)) continue;
    for (const name of names) if (body[name] !== undefined) patch[name] = body[name];
  }
  if (groups.has("kind") && patch.kind === undefined) {
    patch.kind = body.task !== undefined ? "task" : body.callback_type !== undefined ? "callback" : undefined;
  }
  for (const change of changes) {
    if (change.group === "trigger" || change.group === "kind") continue;
    patch[change.name] = change.after === undefined ? null : change.after;
  }
  return patch;
}

function shown(name, value) {
  if (value === undefined || value === null || value === "") return h("span", { class: "muted" }, "none");
  if (SECONDS.has(name)) return `${duration(value)}${value >= 60 ? ` (${value} s)` : ""}`;
  if (INSTANTS.has(name)) return absolute(value, { seconds: true });
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return h("code", { class: "review__json" }, json(value));
  return h("span", { class: "review__value" }, String(value));
}

/** The review card: a before/after table, the next fires before and after, Save and Keep editing. */
export function reviewCard({ changes, upcomingBefore, upcomingAfter, zone, onSave, onBack }) {
  const back = h("button", { type: "button", class: "btn btn--ghost", onclick: onBack }, "Keep editing");
  if (!changes.length) {
    return h("section", { class: "card review__card", "aria-label": "What will change" },
      h("h2", { class: "card__title" }, "What will change"),
      h("p", null, "Nothing: the form is as saved."), h("div", { class: "actions" }, back));
  }
  const save = h("button", { type: "button", class: "btn btn--primary",
    onclick: (event) => onSave(event.currentTarget) }, `Save ${changes.length} change${changes.length === 1 ? "" : "s"}`);
  const fires = upcomingAfter ? h("div", { class: "review__fires" },
    h("div", null, h("h3", null, "Next fires now"),
      upcomingBefore && upcomingBefore.length ? fireTimes(upcomingBefore, { zone }) : h("p", { class: "muted" }, "none")),
    h("div", null, h("h3", null, "Next fires after saving"),
      upcomingAfter.length ? fireTimes(upcomingAfter, { zone }) : h("p", { class: "muted" }, "It would never fire."))) : null;
  const webhookChanged = changes.some((change) => change.name.startsWith("webhook_"));
  return h("section", { class: "card review__card", "aria-label": "What will change" },
    h("h2", { class: "card__title" }, "What will change"),
    table(["Field", "Now", "After saving"], changes.map((change) => [
      change.label, shown(change.name, change.before), shown(change.name, change.after)]), { className: "table--compact" }),
    fires,
    h("p", { class: "muted small" }, "The schedule keeps its fire history, its jobs",
      webhookChanged ? " and its webhook secret." : ".", " Nothing is saved until you press Save."),
    h("div", { class: "actions" }, save, back));
}
