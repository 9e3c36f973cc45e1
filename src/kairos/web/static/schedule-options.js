// The choices the schedule form offers: built-in tasks to suggest, cron examples, and the overlap
// and misfire policies in words.

export const BUILTIN_TASKS = ["kairos.sleep", "kairos.echo", "kairos.fail", "kairos.http_request"];
export const CRON_EXAMPLES = [
  ["*/5 * * * *", "Every 5 minutes"],
  ["0 * * * *", "Hourly"],
  ["0 9 * * MON-FRI", "Weekdays at 9:00"],
  ["0 0 * * *", "Daily at midnight"],
  ["30 8 1 * *", "Monthly, 1st at 8:30"],
];
export const OVERLAP = [
  ["skip", "Skip: no new run while one is running"],
  ["allow", "Allow: runs may overlap"],
  ["queue_one", "Queue one: run once the current run ends"],
  ["cancel_previous", "Cancel previous: stop the running one, start anew"],
];
export const MISFIRE = [
  ["run_once", "Run once: missed fires coalesce into one run"],
  ["skip", "Skip: missed fires are dropped"],
  ["run_all", "Run all: every missed fire within the grace period"],
];
