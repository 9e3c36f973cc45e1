// Scheduler links (#/links): the Celery beat and APScheduler stores Kairos mirrors. List them, add
// one (a pasted JSON beat_schedule is the shortest path), test the connection, see the diff
// between Kairos's copies and the scheduler, import, and resync in a chosen direction.

import { ApiError, everyPage, schedulerLinks, scheduleSync } from "./api.js";
import { busy, fill, h, select } from "./dom.js";
import { field, parseJson } from "./form-controls.js";
import { json } from "./format.js";
import { nameLink } from "./names.js";
import { badge, card, emptyState, table, when } from "./widgets.js";

// What each source kind asks for; `json` keys are JSON objects, the rest text.
const SOURCES = {
  "celery-beat": [
    ["json", "JSON beat_schedule", [["beat_schedule", "beat_schedule (JSON object)", "json"]]],
    ["django-celery-beat", "django-celery-beat tables", [["database_url", "Database URL", "text"]]],
    ["redbeat", "redbeat (Redis)", [["redis_url", "Redis URL", "text"], ["key_prefix", "Key prefix", "text"],
      ["timezone", "App time zone", "text"]]],
    ["app", "Import a Celery app", [["app", "App (proj.celery:app)", "text"], ["cwd", "Working directory", "text"]]],
  ],
  apscheduler: [
    ["sqlalchemy", "SQLAlchemyJobStore", [["database_url", "Database URL", "text"], ["tablename", "Table", "text"]]],
  ],
};
const LINKS_SHOWN = 500;
const BEAT_EXAMPLE = '{"nightly-report": {"task": "reports.nightly", "schedule": {"type": "crontab", "minute": "0", "hour": "3"}}}';

function linkForm(ctx, onCreated) {
  const name = h("input", { type: "text", maxlength: 200, autocomplete: "off", "data-field": "name" });
  const type = select({ "data-field": "type" }, [["celery-beat", "Celery beat"], ["apscheduler", "APScheduler"]], "celery-beat");
  const kind = select({ "data-field": "source.kind" }, [], null);
  const broker = h("input", { type: "text", class: "mono", autocomplete: "off", placeholder: "redis://host:6379/0",
    "data-field": "broker_url" });
  const sourceBox = h("div", { class: "row" });
  let inputs = {};
  const drawKinds = () => {
    fill(kind, SOURCES[type.value].map(([value, label]) => h("option", { value }, label)));
    drawSource();
  };
  const drawSource = () => {
    const spec = SOURCES[type.value].find(([value]) => value === kind.value) || SOURCES[type.value][0];
    inputs = {};
    fill(sourceBox, spec[2].map(([key, label, shape]) => {
      const control = shape === "json"
        ? h("textarea", { class: "mono", rows: 6, spellcheck: "false", placeholder: BEAT_EXAMPLE, "data-field": `source.${key}` })
        : h("input", { type: "text", class: "mono", autocomplete: "off", "data-field": `source.${key}` });
      inputs[key] = [control, shape];
      return field(label, control, { name: `source.${key}`, wide: shape === "json" });
    }));
  };
  type.addEventListener("change", drawKinds);
  kind.addEventListener("change", drawSource);
  const submit = h("button", { type: "submit", class: "btn btn--primary" }, "Add link");
  const form = h("form", { class: "form", novalidate: true },
    h("div", { class: "row" }, field("Name", name, { name: "name" }), field("Scheduler", type, { name: "type" }),
      field("Source", kind, { name: "source.kind" }),
      field("Broker URL", broker, { name: "broker_url", hint: "Optional; where Celery's workers listen." })),
    sourceBox,
    h("div", { class: "form__actions" }, h("span", { class: "spacer" }), submit));
  drawKinds();

  const showError = (fieldName, msg) => {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(fieldName)}"]`);
    if (slot) slot.textContent = msg;
    return Boolean(slot);
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = "";
    const body = { type: type.value, source: { kind: kind.value } };
    if (name.value.trim()) body.name = name.value.trim();
    if (broker.value.trim()) body.broker_url = broker.value.trim();
    for (const [key, [control, shape]] of Object.entries(inputs)) {
      if (shape === "json") {
        const parsed = parseJson(control.value, "object");
        if (parsed.error) return void showError(`source.${key}`, parsed.error);
        body.source[key] = parsed.value;
      } else if (control.value.trim()) {
        body.source[key] = control.value.trim();
      }
    }
    await busy(submit, async () => {
      try {
        const created = await schedulerLinks.create(body);
        ctx.notify(`Linked “${created.name}”.`);
        form.reset();
        drawKinds();
        onCreated();
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 400) return ctx.fail(error);
        const unplaced = [...error.fieldErrors()].filter(([f, msg]) => !showError(f, msg));
        if (unplaced.length || !error.fieldErrors().size) ctx.fail(error);
      }
    });
  });
  return card("Add a link", form);
}

const show = (value) => (value === undefined ? "—" : typeof value === "string" ? value : json(value));

/** A diff (or a sync's answer): what is added, removed and changed, each field before and after. */
export function diffView(diff) {
  const rows = [];
  for (const entry of diff.added) rows.push([entry.name, badge("added", "ok"), "", "", ""]);
  for (const entry of diff.removed) {
    rows.push([entry.schedule_id ? nameLink("schedule", entry.schedule_id) : entry.name, badge("removed", "bad"), "", "", ""]);
  }
  for (const entry of diff.changed) {
    const names = Object.keys({ ...entry.before, ...entry.after });
    names.forEach((key, index) => rows.push([index ? "" : nameLink("schedule", entry.schedule_id),
      index ? "" : badge("changed", "warn"), h("span", { class: "mono" }, key),
      h("code", { class: "diff-before" }, show(entry.before[key])), h("code", { class: "diff-after" }, show(entry.after[key]))]));
  }
  const summary = h("p", { class: "muted" }, `${diff.added.length} added · ${diff.removed.length} removed · `,
    `${diff.changed.length} changed · ${diff.unchanged} unchanged`,
    diff.read_only && diff.read_only.length ? ` · ${diff.read_only.length} read-only` : "");
  const readOnly = (diff.read_only || []).length
    ? h("ul", { class: "small muted" }, diff.read_only.map((r) => h("li", null, `${r.name}: ${r.reason || "read-only"}`)))
    : null;
  return h("div", { class: "link-diff" }, summary,
    rows.length ? table(["Entry", "Change", "Field", "Kairos now", "Scheduler now"], rows, { className: "table--compact" })
      : h("p", null, "Kairos and the scheduler agree."), readOnly);
}

const RESYNC_EFFECT = {
  from_scheduler: "Kairos's copies are made to match the scheduler: copies of entries it no longer has are deleted.",
  to_scheduler: "The scheduler's live store is written to match Kairos: its workers act on it at once.",
};

/** Resync deletes or writes on one side: the diff is fetched and its counts confirmed first. */
function resyncButton(ctx, link, direction, output, reload) {
  const button = h("button", { type: "button", class: "btn" }, "Resync");
  button.addEventListener("click", () => busy(button, async () => {
    try {
      const chosen = direction.value;
      const diff = await scheduleSync.diff({ link_id: link.id });
      const counts = `${diff.added.length} added · ${diff.removed.length} removed · ${diff.changed.length} changed · ` +
        `${diff.unchanged} unchanged`;
      const sure = await ctx.confirm({
        title: `Resync “${link.name}”?`,
        body: `${counts}. ${RESYNC_EFFECT[chosen] || ""}`,
        confirmLabel: "Resync",
      });
      if (!sure) {
        fill(output, diffView(diff));
        return;
      }
      const done = await scheduleSync.resync({ link_id: link.id, direction: chosen });
      fill(output, h("p", null, `Resynced (${done.direction}).`), diffView(done));
      reload();
    } catch (error) {
      ctx.fail(error);
    }
  }));
  return button;
}

function linkCard(ctx, link, reload, outputs) {
  // A card is redrawn when its link changes (an import moves last_sync_at): its answer stays.
  if (!outputs.has(link.id)) outputs.set(link.id, h("div", { class: "link-output", "aria-live": "polite" }));
  const output = outputs.get(link.id);
  const run = (label, action, draw, { primary = false } = {}) => {
    const button = h("button", { type: "button", class: primary ? "btn btn--primary" : "btn" }, label);
    button.addEventListener("click", () => busy(button, async () => {
      try {
        fill(output, draw(await action()));
        reload();
      } catch (error) {
        ctx.fail(error);
      }
    }));
    return button;
  };
  const direction = select({ "aria-label": `Resync direction for ${link.name}` },
    [["from_scheduler", "Kairos follows the scheduler"], ["to_scheduler", "The scheduler follows Kairos"]], "from_scheduler");
  if (!link.writable) direction.querySelector('option[value="to_scheduler"]').disabled = true;
  const actions = ctx.can("operator") ? [
    run("Test connection", () => schedulerLinks.test(link.id), (t) => h("p", { class: t.ok ? null : "preview__error" },
      t.ok ? `Reachable: ${t.entries ?? 0} entries (${t.read_only ?? 0} read-only)${t.broker ? `, broker ${t.broker}` : ""}.`
        // A failed broker ping leaves `error` empty and says what went wrong in `broker`.
        : `Not reachable: ${t.error || t.broker || "no reason given"}`)),
    run("Show diff", () => scheduleSync.diff({ link_id: link.id }), diffView),
    run("Import", () => scheduleSync.import({ link_id: link.id }), (d) => [h("p", null, "Imported."), diffView(d)], { primary: true }),
    h("span", { class: "input-group" }, direction, resyncButton(ctx, link, direction, output, reload))] : [];
  const remove = ctx.can("admin") ? h("button", { type: "button", class: "btn btn--danger", onclick: async () => {
    if (!await ctx.confirm({ title: `Delete the link “${link.name}”?`,
      body: "Kairos's copies of its schedules are deleted; the scheduler's entries stay.", confirmLabel: "Delete" })) return;
    try {
      await schedulerLinks.remove(link.id);
      ctx.notify(`Deleted “${link.name}”.`);
      reload();
    } catch (error) {
      ctx.fail(error);
    }
  } }, "Delete") : null;
  const buttons = actions.length || remove ? h("div", { class: "actions" }, actions, remove) : null;
  return h("section", { class: "card link", "data-link": link.name },
    h("h2", { class: "card__title" }, link.name, " ", badge(link.type, "info"), " ", badge(link.source.kind || "", "muted"),
      link.writable ? null : [" ", badge("read-only", "off", link.read_only_reason || undefined)]),
    h("p", { class: "muted small" }, link.broker_url ? `Broker ${link.broker_url} · ` : "",
      "Last synced ", when(link.last_sync_at, { inline: true, empty: "never" }),
      link.worker_events && link.worker_events.note ? ` · ${link.worker_events.note}` : ""),
    h("p", null, h("a", { href: `#/schedules?link_id=${encodeURIComponent(link.id)}` }, "Its schedules")),
    buttons, output);
}

/** #/links: every scheduler link of the workspace, with its actions. */
export function linksPage(ctx) {
  ctx.setTitle("Scheduler links");
  const list = h("div", { class: "links" }, h("p", { class: "loading" }, "Loading links…"));
  fill(ctx.root, h("div", { class: "page-head" }, h("h1", null, "Scheduler links")),
    h("p", { class: "muted" }, "Celery beat and APScheduler stores whose schedules Kairos shows, triggers and keeps in sync."),
    list, ctx.can("operator") ? linkForm(ctx, () => ctx.refresh()) : null);
  let shown = "";
  const outputs = new Map();

  async function refresh() {
    const { items, truncated } = await everyPage(schedulerLinks.list, { limit: 100 }, { max: LINKS_SHOWN });
    // Redraw only when a link changed, so a diff on screen is not wiped by the refresh loop.
    const key = JSON.stringify([truncated, items.map((l) => [l.id, l.updated_at, l.last_sync_at])]);
    if (key !== shown) {
      shown = key;
      fill(list, items.length ? items.map((link) => linkCard(ctx, link, () => ctx.refresh(), outputs))
        : emptyState("No scheduler links yet.", "Add one below to see a Celery beat's or APScheduler's schedules here."),
      truncated ? h("p", { class: "muted small" }, `The first ${items.length} links are shown.`) : null);
    }
    return { interval: 30000 };
  }

  return { refresh };
}
