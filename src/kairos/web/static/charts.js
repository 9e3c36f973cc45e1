// Small charts in plain SVG (no library: four bar charts do not need one). Colours come from the
// stylesheet's variables through classes, so light and dark mode both read; every chart is an image
// with a summary for screen readers, and every bar says what it is on hover (<title>).

import { absolute, count, duration, exact } from "./format.js";

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 120;
const PAD = { top: 8, right: 8, bottom: 24, left: 58 };
// How late a fire may start and still count as on time: the scheduler's own tick is one second.
const ON_TIME_SECONDS = 2;

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs || {})) if (value !== null && value !== undefined) el.setAttribute(name, String(value));
  for (const child of children.flat()) if (child) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

function legend(entries) {
  const list = document.createElement("ul");
  list.className = "chart__legend";
  for (const [tone, label, n] of entries) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `chart__swatch chart--${tone}`;
    item.append(swatch, `${label} ${count(n)}`);
    list.append(item);
  }
  return list;
}

/**
 * A bar chart over time: `bars` are `{at (ms), value, tone, label}`; bars sit at their instant on a
 * shared time axis (`from`..`to`), heights scaled to the largest value.
 */
function timeBars({ bars, from, to, summary, unit = (v) => count(v), minHeight = 0 }) {
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const top = Math.max(1, ...bars.map((b) => b.value));
  const span = Math.max(1, to - from);
  const barW = Math.max(2, Math.min(14, innerW / Math.max(bars.length, 1) - 1));
  const x = (at) => PAD.left + ((at - from) / span) * (innerW - barW);
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": summary },
  svg("line", { class: "chart__axis", x1: PAD.left, x2: WIDTH - PAD.right, y1: HEIGHT - PAD.bottom, y2: HEIGHT - PAD.bottom }),
  svg("text", { class: "chart__tick", x: PAD.left - 4, y: PAD.top + 8, "text-anchor": "end" }, unit(top)),
  svg("text", { class: "chart__tick", x: PAD.left - 4, y: HEIGHT - PAD.bottom, "text-anchor": "end" }, "0"),
  svg("text", { class: "chart__tick", x: PAD.left, y: HEIGHT - 6 }, absolute(new Date(from).toISOString(), { seconds: false })),
  svg("text", { class: "chart__tick", x: WIDTH - PAD.right, y: HEIGHT - 6, "text-anchor": "end" },
    absolute(new Date(to).toISOString(), { seconds: false })),
  bars.map((b) => {
    const height = Math.max(minHeight, (b.value / top) * innerH);
    return svg("rect", { class: `chart__bar chart--${b.tone}`, x: x(b.at).toFixed(1), width: barW.toFixed(1),
      y: (HEIGHT - PAD.bottom - height).toFixed(1), height: height.toFixed(1), rx: 1 }, svg("title", null, b.label));
  }));
  return chart;
}

function figure(title, chart, legendEntries, empty) {
  const node = document.createElement("figure");
  node.className = "chart-figure";
  const caption = document.createElement("figcaption");
  caption.className = "chart__title";
  caption.textContent = title;
  node.append(caption);
  if (!chart) {
    const note = document.createElement("p");
    note.className = "muted small";
    note.textContent = empty;
    node.append(note);
    return node;
  }
  node.append(chart);
  if (legendEntries) node.append(legend(legendEntries.filter(([, , n]) => n > 0)));
  return node;
}

/** How a fire went: on time, late, skipped, failed, or still going. */
export function fireOutcome(fire) {
  if (fire.status === "skipped") return "skipped";
  if (fire.status === "failed") return "failed";
  if (fire.status === "cancelled") return "cancelled";
  if (fire.status === "pending" || fire.status === "running") return "running";
  if (fire.trigger === "manual") return "manual";
  const late = (new Date(fire.fired_at) - new Date(fire.scheduled_for)) / 1000;
  return late > ON_TIME_SECONDS ? "late" : "on-time";
}

const FIRE_KINDS = [["on-time", "On time"], ["late", "Late"], ["skipped", "Skipped"], ["failed", "Failed"],
  ["cancelled", "Cancelled"], ["running", "Running"], ["manual", "Run now"]];

/** The fire history of a schedule: one bar per fire, coloured by how it went; lateness as height. */
export function fireHistoryChart(fires) {
  const sorted = [...fires].sort((a, b) => new Date(a.scheduled_for) - new Date(b.scheduled_for));
  const counts = Object.fromEntries(FIRE_KINDS.map(([kind]) => [kind, 0]));
  const bars = sorted.map((f) => {
    const outcome = fireOutcome(f);
    counts[outcome] += 1;
    const late = Math.max(0, (new Date(f.fired_at) - new Date(f.scheduled_for)) / 1000);
    return { at: new Date(f.scheduled_for).getTime(), value: 1, tone: outcome,
      label: `${exact(f.scheduled_for)}: ${FIRE_KINDS.find(([k]) => k === outcome)[1].toLowerCase()}` +
        (late > ON_TIME_SECONDS ? `, ${duration(late)} late` : "") };
  });
  const summary = `${count(sorted.length)} fires: ` +
    FIRE_KINDS.filter(([kind]) => counts[kind]).map(([kind, label]) => `${counts[kind]} ${label.toLowerCase()}`).join(", ");
  const chart = sorted.length ? timeBars({ bars, from: bars[0].at, to: bars[bars.length - 1].at, summary,
    unit: () => "", minHeight: 0 }) : null;
  return figure("Fires", chart, FIRE_KINDS.map(([kind, label]) => [kind, label, counts[kind]]), "No fires yet.");
}

const JOB_TONES = { completed: "on-time", failed: "failed", cancelled: "cancelled", running: "running", pending: "running" };

/** Job durations over time, coloured by outcome. */
export function jobDurationsChart(jobs) {
  const done = jobs.filter((j) => j.started_at).sort((a, b) => new Date(a.started_at) - new Date(b.started_at));
  const counts = {};
  const bars = done.map((j) => {
    counts[j.status] = (counts[j.status] || 0) + 1;
    const seconds = j.duration_seconds ?? Math.max(0, (Date.now() - new Date(j.started_at)) / 1000);
    return { at: new Date(j.started_at).getTime(), value: seconds, tone: JOB_TONES[j.status] || "running",
      label: `${exact(j.started_at)}: ${j.status}, ${duration(seconds)}` };
  });
  const summary = `${count(done.length)} jobs, longest ${duration(Math.max(0, ...bars.map((b) => b.value)))}: ` +
    Object.entries(counts).map(([status, n]) => `${n} ${status}`).join(", ");
  const chart = bars.length ? timeBars({ bars, from: bars[0].at, to: bars[bars.length - 1].at, summary,
    unit: (v) => duration(v), minHeight: 2 }) : null;
  return figure("Job durations", chart, [["on-time", "Completed", counts.completed || 0], ["failed", "Failed", counts.failed || 0],
    ["cancelled", "Cancelled", counts.cancelled || 0], ["running", "Running", (counts.running || 0) + (counts.pending || 0)]],
  "No job has run yet.");
}

/** Items per scrape run, the runs whose items changed marked. */
export function itemsPerRunChart(jobs) {
  const runs = jobs.filter((j) => j.status === "completed" && j.item_count !== null && j.item_count !== undefined)
    .sort((a, b) => new Date(a.completed_at) - new Date(b.completed_at));
  const changed = runs.filter((j) => j.has_changes).length;
  const bars = runs.map((j) => ({ at: new Date(j.completed_at).getTime(), value: j.item_count,
    tone: j.has_changes ? "changed" : "unchanged",
    label: `${exact(j.completed_at)}: ${count(j.item_count)} items${j.has_changes ? ", changed" : ""}` }));
  const summary = `${count(runs.length)} runs, ${count(changed)} with changes, up to ${count(Math.max(0, ...bars.map((b) => b.value)))} items`;
  const chart = bars.length ? timeBars({ bars, from: bars[0].at, to: bars[bars.length - 1].at, summary, minHeight: 2 }) : null;
  return figure("Items per run", chart, [["changed", "Changed", changed], ["unchanged", "Unchanged", runs.length - changed]],
    "No completed run yet.");
}

/** Jobs started per minute over the last hour, for the whole workspace. */
export function firesPerMinuteChart(jobs, now = Date.now()) {
  const minutes = 60;
  const start = now - minutes * 60000;
  const buckets = new Array(minutes).fill(0);
  for (const job of jobs) {
    const at = new Date(job.created_at).getTime();
    if (at >= start && at <= now) buckets[Math.min(minutes - 1, Math.floor((at - start) / 60000))] += 1;
  }
  const total = buckets.reduce((a, b) => a + b, 0);
  const bars = buckets.map((n, i) => ({ at: start + i * 60000, value: n, tone: "info",
    label: `${absolute(new Date(start + i * 60000).toISOString(), { seconds: false })}: ${count(n)} runs` }));
  const summary = `${count(total)} runs in the last hour, at most ${count(Math.max(...buckets))} in one minute`;
  return figure("Runs per minute, last hour", total ? timeBars({ bars, from: start, to: now - 60000, summary }) : null,
    null, "Nothing ran in the last hour.");
}
