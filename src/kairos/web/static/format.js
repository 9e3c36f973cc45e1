// Times, durations and values as people read them. The API speaks UTC (RFC 3339 with `Z`); the
// dashboard shows each instant by one rule (below), in local time or UTC as the viewer chooses.

const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

// ---- the one rule for showing a time ------------------------------------------------------------
// Every instant is shown in one zone at a time, the viewer's or UTC (the switch in the top bar),
// always with that zone's name; with seconds when the instant has any (a 5 s interval must not read
// "21:11" four times) or when the caller lists times that do; relative ("in 5 minutes") where the
// distance matters, with the exact time, in both zones, on hover.

const MODE_KEY = "kairos.dashboard.times";
let mode = readMode();

function readMode() {
  try {
    return localStorage.getItem(MODE_KEY) === "utc" ? "utc" : "local";
  } catch {
    return "local";
  }
}

/** "local" or "utc": how the dashboard shows times. */
export function timeMode() {
  return mode;
}

export function setTimeMode(next) {
  mode = next === "utc" ? "utc" : "local";
  try {
    localStorage.setItem(MODE_KEY, mode);
  } catch {
    // Not kept across reloads; this page still follows the choice.
  }
}

/** The zone times are shown in now. */
export function displayZone() {
  return mode === "utc" ? "UTC" : LOCAL_ZONE;
}

const formats = new Map();

function formatter(timeZone, seconds) {
  const key = `${timeZone}|${seconds}`;
  if (!formats.has(key)) {
    formats.set(key, new Intl.DateTimeFormat(undefined, {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
      second: seconds ? "2-digit" : undefined, timeZoneName: "short", timeZone,
    }));
  }
  return formats.get(key);
}

function toDate(iso) {
  const date = iso instanceof Date ? iso : new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Whether any of these instants falls off a whole minute, so that a list of them needs seconds. */
export function needsSeconds(isos) {
  return isos.some((iso) => {
    const date = toDate(iso);
    return date !== null && date.getTime() % 60000 !== 0;
  });
}

/** "1 Dec 2026, 21:11:05 CET": the instant in the display zone (or `timeZone`), zone named. */
export function absolute(iso, { seconds = null, timeZone = null } = {}) {
  if (!iso) return "";
  const date = toDate(iso);
  if (!date) return String(iso);
  const withSeconds = seconds === null ? date.getTime() % 60000 !== 0 : seconds;
  try {
    return formatter(timeZone || displayZone(), withSeconds).format(date);
  } catch {
    // A zone name this browser does not know: the display zone instead.
    return formatter(displayZone(), withSeconds).format(date);
  }
}

/** The exact instant for a tooltip: seconds, in the display zone and in the other one. */
export function exact(iso) {
  const other = displayZone() === "UTC" ? LOCAL_ZONE : "UTC";
  const shown = absolute(iso, { seconds: true });
  return other === displayZone() ? shown : `${shown} · ${absolute(iso, { seconds: true, timeZone: other })}`;
}

/** "in 5 minutes", "2 hours ago", "now"; "" for no time. */
export function relative(iso, now = Date.now()) {
  if (!iso) return "";
  const seconds = (new Date(iso).getTime() - now) / 1000;
  if (Number.isNaN(seconds)) return "";
  if (Math.abs(seconds) < 5) return "now";
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") {
      return relativeFormat.format(Math.round(seconds / size), unit);
    }
  }
  return "";
}

/** The UTC offset of `zone` at an instant, as "GMT+01:00" ("GMT" for UTC). */
export function offsetAt(iso, zone) {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
      .formatToParts(toDate(iso));
    return (parts.find((part) => part.type === "timeZoneName") || {}).value || "";
  } catch {
    return "";
  }
}

/** The wall-clock time of day in `zone`, "02:30". */
export function wallClock(iso, zone) {
  try {
    return new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit" }).format(toDate(iso));
  } catch {
    return "";
  }
}

/**
 * For each fire time, a note when the zone's clocks changed since the fire before it (DST), saying
 * so and, when the wall-clock time moved, from what to what; null where nothing changed.
 */
export function clockChangeNotes(isos, zone) {
  return isos.map((iso, index) => {
    if (index === 0 || !zone || zone === "UTC") return null;
    const before = offsetAt(isos[index - 1], zone);
    const after = offsetAt(iso, zone);
    if (!before || !after || before === after) return null;
    const moved = wallClock(isos[index - 1], zone) !== wallClock(iso, zone);
    return `Clocks change in ${zone} before this fire (${before} → ${after})` +
      (moved ? `: it runs at ${wallClock(iso, zone)} local time instead of ${wallClock(isos[index - 1], zone)}` : "");
  });
}

/** A server description with its raw instants ("counted from 2026-12-01T20:13:30Z") and delays
 * ("0:02:00") put the dashboard's way. */
export function readableDescription(text) {
  if (!text) return "";
  return String(text)
    .replace(/\b(\d+ days?, )?(\d+):(\d\d):(\d\d)\b/g, (match, days, hours, minutes, secs) =>
      duration((days ? parseInt(days, 10) * 86400 : 0) + Number(hours) * 3600 + Number(minutes) * 60 + Number(secs)))
    // Instants last: the delay pattern above cannot match inside "T20:13:30Z" (no word boundary
    // after the T), but it would match the clock time of an instant already formatted.
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z\b/g, (iso) => absolute(iso));
}

/** "850 ms", "4.2 s", "3 min 5 s", "2 h 10 min", "3 d 4 h". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return "";
  const s = Number(seconds);
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s < 10 ? s.toFixed(1).replace(/\.0$/, "") : Math.round(s)} s`;
  const parts = [];
  let rest = Math.round(s);
  for (const [label, size] of [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]]) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count) parts.push(`${count} ${label}`);
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** "sched_…1c2d3e4f": the prefix and the random tail of a time-ordered id. */
export function shortId(id) {
  if (!id) return "";
  const text = String(id);
  const cut = text.indexOf("_");
  if (cut < 0 || text.length <= cut + 10) return text;
  return `${text.slice(0, cut + 1)}…${text.slice(-8)}`;
}

/** Pretty JSON for display. */
export function json(value) {
  if (value === undefined) return "";
  return JSON.stringify(value, null, 2);
}

/** "1,234". */
export function count(value) {
  return value === null || value === undefined ? "" : Number(value).toLocaleString();
}

/** Every IANA zone the browser knows, UTC first. */
export function timeZones() {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    zones = ["Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo"];
  }
  const all = new Set(["UTC", LOCAL_ZONE, ...zones]);
  all.delete("UTC");
  return ["UTC", ...[...all].sort()];
}
