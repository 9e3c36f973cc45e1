// Times, durations and values as people read them. The API speaks UTC (RFC 3339 with `Z`);
// the dashboard shows local time, with the exact UTC instant in a tooltip.

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
const absoluteFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const secondsFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

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

/** The instant in the viewer's local time, e.g. "22 Nov 2026, 09:00". */
export function absolute(iso, { seconds = false, timeZone } = {}) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  if (timeZone) {
    try {
      return new Intl.DateTimeFormat(undefined, {
        dateStyle: "medium", timeStyle: seconds ? "medium" : "short", timeZone,
      }).format(date);
    } catch {
      // A zone name this browser does not know: fall back to local time.
    }
  }
  return (seconds ? secondsFormat : absoluteFormat).format(date);
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
