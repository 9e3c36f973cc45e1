// The schedule form, for a new schedule and for editing one: a live preview of the trigger as it
// is typed and, before an edit is saved, a review of what will change (schedule-review.js).

import { ApiError, registry, schedules } from "./api.js";
import { busy, debounce, fill, h, select } from "./dom.js";
import { dateTimeInput, durationInput, field, instant, parseJson, segmented, setInstant } from "./form-controls.js";
import { LOCAL_ZONE, displayZone, json, readableDescription, shortId, timeZones } from "./format.js";
import { redditPanel } from "./schedule-reddit.js";
import { changedFields, patchBody, reviewCard } from "./schedule-review.js";
import { rememberSecret, scrapePanel, webhookPanel } from "./schedule-scrape.js";
import { BUILTIN_TASKS, CRON_EXAMPLES, MISFIRE, OVERLAP } from "./schedule-options.js";
import { emptyState, fireTimes, scheduleHref } from "./widgets.js";

const PREVIEW_COUNT = 5;
const PREVIEW_DELAY_MS = 350;
// Fields the server may name in an error that this form shows elsewhere.
const ERROR_HOME = { trigger: "cron_expression", executor: "task", urls: "url", target: "kind" };
const TRIGGER_FIELDS = ["trigger_type", "cron_expression", "timezone", "interval_seconds", "run_at",
  "delay_seconds", "start_at", "end_at"];

const KINDS = [["task", "Task"], ["callback", "Callback"], ["scrape", "Scrape"], ["reddit", "Reddit"]];

export function scheduleForm(ctx) {
  const [editing = null] = ctx.params;
  ctx.setTitle(editing ? "Edit schedule" : "New schedule");
  let triggerType = "cron";
  let whatKind = "task";
  // The form as loaded from the schedule being edited, read back the way a save reads it.
  let original = null;
  let loaded = null;

  // ---- controls ----
  const name = h("input", { type: "text", maxlength: 200, placeholder: "Defaults to what it runs", autocomplete: "off" });
  const description = h("input", { type: "text", maxlength: 2000, placeholder: "Optional", autocomplete: "off" });
  const cron = h("input", {
    type: "text", class: "mono", placeholder: "0 9 * * MON-FRI", autocomplete: "off", spellcheck: "false",
    "aria-describedby": "cron-help", "data-field": "cron_expression",
  });
  const zone = select({ "data-field": "timezone" },
    timeZones().map((z) => [z, z === LOCAL_ZONE ? `${z} (your time zone)` : z]), LOCAL_ZONE);
  const interval = durationInput("interval_seconds", "60");
  const runAt = dateTimeInput("run_at");
  const delay = durationInput("delay_seconds", "3600");
  const task = h("input", { type: "text", class: "mono", list: "builtin-tasks", placeholder: "kairos.sleep",
    autocomplete: "off", spellcheck: "false", "data-field": "task" });
  const args = h("textarea", { class: "mono", rows: 2, spellcheck: "false", placeholder: "[]", "data-field": "args" });
  const kwargs = h("textarea", { class: "mono", rows: 3, spellcheck: "false", placeholder: "{\"seconds\": 10}",
    "data-field": "kwargs" });
  const executor = select({ "data-field": "executor" }, [["local", "Local worker"], ["celery", "Celery"]], "local");
  const callbackType = select({ "data-field": "callback_type" }, [["workflow", "Workflow"], ["http", "HTTP URL"]], "workflow");
  const callbackId = h("input", { type: "text", class: "mono", placeholder: "workflow name, or a URL for HTTP",
    autocomplete: "off", spellcheck: "false", "data-field": "callback_id" });
  const overlap = select({ "data-field": "overlap_policy" }, OVERLAP, "skip");
  const misfire = select({ "data-field": "misfire_policy" }, MISFIRE, "run_once");
  const startAt = dateTimeInput("start_at");
  const endAt = dateTimeInput("end_at");
  const number = (fieldName, placeholder) => h("input", { type: "number", min: 0, step: 1, placeholder,
    inputmode: "numeric", "data-field": fieldName });
  const jitter = number("jitter_seconds", "0");
  const grace = number("misfire_grace_seconds", "60");
  const attempts = number("max_attempts", "1");
  const retryDelay = number("retry_delay_seconds", "30");
  const timeout = number("timeout_seconds", "none");
  const scrape = scrapePanel(ctx);
  const redditFields = redditPanel();
  const webhook = webhookPanel();
  const enabled = h("input", { type: "checkbox", checked: true });
  const submit = h("button", { type: "submit", class: "btn btn--primary" }, "Create schedule");

  // ---- trigger and kind panels, shown one at a time ----
  const triggerPanels = {
    cron: h("div", { class: "panel" },
      h("div", { class: "row" },
        field("Cron expression", cron, { name: "cron_expression", wide: true,
          hint: h("span", { id: "cron-help" }, "minute hour day-of-month month day-of-week; names like MON-FRI, ",
            "macros like @daily, and a leading seconds field are accepted.") }),
        field("Time zone", zone, { name: "timezone", hint: "Cron times are read in this zone, DST included." })),
      h("div", { class: "examples" }, h("span", { class: "muted small" }, "Try: "),
        CRON_EXAMPLES.map(([expression, label]) => h("button", {
          type: "button", class: "chip chip--button", title: expression,
          onclick: () => {
            cron.value = expression;
            schedulePreview();
            cron.focus();
          },
        }, label)))),
    interval: h("div", { class: "panel" },
      field("Every", interval.node, { name: "interval_seconds",
        hint: "Fires at fixed steps from the start time (or from creation), never drifting." })),
    once: h("div", { class: "panel" },
      field("Run at", runAt, { name: "run_at", hint: h("span", { "data-zone-hint": "run_at" },
        `In ${displayZone()}, as the top bar shows times.`) })),
    delayed: h("div", { class: "panel" },
      field("Run after", delay.node, { name: "delay_seconds", hint: editing
        ? "Once, this long after saving: a new delay counts from now."
        : "Once, this long after the schedule is created." })),
  };
  // Suggest what this deployment registered; the built-ins stand in until the answer comes.
  const taskNames = h("datalist", { id: "builtin-tasks" }, BUILTIN_TASKS.map((t) => h("option", { value: t })));
  registry.list()
    .then((found) => fill(taskNames, found.tasks.map((t) => h("option", { value: t.name }, t.description))))
    .catch(() => {});
  const kindPanels = {
    task: h("div", { class: "panel" },
      h("div", { class: "row" },
        field("Task", task, { name: "task", wide: true,
          hint: "A registered task name; it is looked up when the job runs." }),
        field("Executor", executor, { name: "executor" })),
      taskNames,
      h("div", { class: "row" },
        field("Arguments (JSON list)", args, { name: "args" }),
        field("Keyword arguments (JSON object)", kwargs, { name: "kwargs" }))),
    callback: h("div", { class: "panel" },
      h("div", { class: "row" },
        field("Callback type", callbackType, { name: "callback_type" }),
        field("Workflow or URL", callbackId, { name: "callback_id", wide: true }))),
    scrape: scrape.node,
    reddit: redditFields.node,
  };
  const showPanels = () => {
    for (const [type, panel] of Object.entries(triggerPanels)) panel.hidden = type !== triggerType;
    for (const [kind, panel] of Object.entries(kindPanels)) panel.hidden = kind !== whatKind;
  };

  // ---- preview ----
  const preview = h("div", { class: "preview__body" });
  let lastPreview = null;
  let previewSeq = 0;
  let previewAbort = null;

  function triggerBody() {
    const body = { trigger_type: triggerType };
    if (triggerType === "cron") {
      body.cron_expression = cron.value.trim();
      body.timezone = zone.value;
    } else if (triggerType === "interval") {
      body.interval_seconds = interval.seconds();
    } else if (triggerType === "once") {
      body.run_at = instant(runAt);
    } else {
      body.delay_seconds = delay.seconds();
    }
    const start = instant(startAt);
    const end = instant(endAt);
    if (start) body.start_at = start;
    if (end) body.end_at = end;
    return body;
  }

  function triggerIncomplete(body) {
    const value = { cron: body.cron_expression, interval: body.interval_seconds, once: body.run_at,
      delayed: body.delay_seconds }[triggerType];
    return value === null || value === undefined || value === "";
  }

  function renderPreview(answer, zoneName) {
    lastPreview = answer.items;
    fill(preview,
      h("p", { class: "preview__description" }, readableDescription(answer.description)),
      answer.items.length
        ? fireTimes(answer.items, { zone: triggerType === "cron" ? zoneName : null })
        : h("p", { class: "muted" }, "It would never fire."));
  }

  async function runPreview() {
    const body = triggerBody();
    const seq = ++previewSeq;
    if (previewAbort) previewAbort.abort();
    if (triggerIncomplete(body)) {
      clearErrors(TRIGGER_FIELDS);
      preview.classList.remove("is-error", "is-loading");
      preview.removeAttribute("aria-busy");
      fill(preview, h("p", { class: "muted" }, {
        cron: "Type a cron expression to see when it fires.",
        interval: "Enter an interval to see when it fires.",
        once: "Pick a time to see when it fires.",
        delayed: "Enter a delay to see when it fires.",
      }[triggerType]));
      return;
    }
    previewAbort = new AbortController();
    preview.classList.add("is-loading");
    preview.setAttribute("aria-busy", "true");
    try {
      const answer = await schedules.previewUnsaved({ ...body, count: PREVIEW_COUNT }, previewAbort.signal);
      if (seq !== previewSeq) return;
      clearErrors(TRIGGER_FIELDS);
      preview.classList.remove("is-error", "is-loading");
      preview.removeAttribute("aria-busy");
      renderPreview(answer, body.timezone);
    } catch (error) {
      if (seq !== previewSeq || (error && error.name === "AbortError")) return;
      preview.classList.remove("is-loading");
      preview.removeAttribute("aria-busy");
      if (error instanceof ApiError && error.status === 400) {
        clearErrors(TRIGGER_FIELDS);
        showErrors(error, { only: TRIGGER_FIELDS });
        preview.classList.add("is-error");
        const lines = [...error.fieldErrors().values()];
        fill(preview, h("p", { class: "preview__error" }, lines.length ? lines.join("; ") : error.detail));
      } else {
        ctx.fail(error);
      }
    }
  }
  const schedulePreview = debounce(runPreview, PREVIEW_DELAY_MS);

  // ---- field errors ----
  const form = h("form", { class: "form", novalidate: true });

  function clearErrors(names = null) {
    for (const el of form.querySelectorAll("[data-error-for]")) {
      if (!names || names.includes(el.dataset.errorFor)) el.textContent = "";
    }
    for (const el of form.querySelectorAll("[data-field]")) {
      if (!names || names.includes(el.dataset.field)) el.classList.remove("is-invalid");
    }
  }

  /** Put each field error next to its field; returns the messages that have no field on the form. */
  function showErrors(error, { only = null } = {}) {
    const unplaced = [];
    let first = null;
    for (const [fieldName, msg] of error.fieldErrors()) {
      const home = ERROR_HOME[fieldName] || fieldName;
      if (only && !only.includes(home)) continue;
      const slot = form.querySelector(`[data-error-for="${CSS.escape(home)}"]`);
      if (!slot || slot.closest("[hidden]")) {
        unplaced.push(`${fieldName}: ${msg}`);
        continue;
      }
      slot.textContent = msg;
      const control = form.querySelector(`[data-field="${CSS.escape(home)}"]`);
      if (control) control.classList.add("is-invalid");
      first = first || control || slot;
    }
    return { unplaced, first };
  }

  function fullBody() {
    const body = triggerBody();
    const errors = new Map();
    const text = (input) => input.value.trim();
    if (text(name)) body.name = text(name);
    if (text(description)) body.description = text(description);
    if (whatKind === "task") {
      body.task = text(task);
      const parsedArgs = parseJson(args.value, "list");
      const parsedKwargs = parseJson(kwargs.value, "object");
      if (parsedArgs.error) errors.set("args", parsedArgs.error);
      if (parsedKwargs.error) errors.set("kwargs", parsedKwargs.error);
      body.args = parsedArgs.value;
      body.kwargs = parsedKwargs.value;
      body.executor = executor.value;
    } else if (whatKind === "scrape") {
      body.kind = "scrape";
      scrape.read(body, errors);
    } else if (whatKind === "reddit") {
      body.kind = "reddit";
      redditFields.read(body, errors);
    } else {
      body.callback_type = callbackType.value;
      body.callback_id = text(callbackId);
    }
    body.overlap_policy = overlap.value;
    body.misfire_policy = misfire.value;
    for (const [input, fieldName] of [[jitter, "jitter_seconds"], [grace, "misfire_grace_seconds"],
      [attempts, "max_attempts"], [retryDelay, "retry_delay_seconds"], [timeout, "timeout_seconds"]]) {
      if (text(input) !== "") body[fieldName] = Number(text(input));
    }
    webhook.read(body, errors);
    body.enabled = enabled.checked;
    return { body, errors };
  }

  /** Put a failed save's field errors beside their fields, and the rest in the banner. */
  function saveFailed(error, what) {
    if (!(error instanceof ApiError) || error.status !== 400) {
      ctx.fail(error);
      return;
    }
    const { unplaced, first } = showErrors(error);
    if (unplaced.length) ctx.fail(new ApiError(400, { title: what, detail: unplaced.join("; ") }));
    if (first && first.focus) first.focus();
  }

  function readChecked() {
    clearErrors();
    const { body, errors } = fullBody();
    if (!errors.size) return body;
    const local = new ApiError(400, { errors: [...errors].map(([loc, msg]) => ({ loc: ["body", loc], msg })) });
    const { first } = showErrors(local);
    if (first) first.focus();
    return null;
  }

  async function create() {
    const body = readChecked();
    if (!body) return;
    await busy(submit, async () => {
      try {
        const created = await schedules.create(body);
        rememberSecret(created.id, created.webhook_secret);
        ctx.notify(`Created “${created.name || shortId(created.id)}”.`);
        ctx.navigate(scheduleHref(created.id));
      } catch (error) {
        saveFailed(error, "The schedule was not created");
      }
    });
  }

  // ---- editing: review what will change, then save only that ----
  const review = h("div", { class: "review", hidden: true });

  function hideReview() {
    if (review.hidden) return;
    review.hidden = true;
    submit.textContent = "Review changes";
  }

  async function showReview() {
    const body = readChecked();
    if (!body) return;
    const changes = changedFields(original, body);
    if (changes.some((change) => change.group === "trigger")) {
      schedulePreview.cancel();
      await runPreview();
    }
    review.hidden = false;
    fill(review, reviewCard({
      changes,
      upcomingBefore: loadedUpcoming,
      upcomingAfter: changes.some((c) => c.group === "trigger") ? lastPreview : null,
      zone: triggerType === "cron" ? zone.value : null,
      onSave: (button) => save(button, patchBody(changes, body)),
      onBack: () => {
        hideReview();
        submit.focus();
      },
    }));
    submit.textContent = "Review again";
    review.scrollIntoView({ block: "nearest" });
    const first = review.querySelector("button.btn--primary") || review;
    first.focus();
  }

  async function save(button, body) {
    await busy(button, async () => {
      try {
        const saved = await schedules.update(editing, body);
        ctx.notify(`Saved “${saved.name || shortId(saved.id)}”.`);
        ctx.navigate(scheduleHref(saved.id));
      } catch (error) {
        hideReview();
        saveFailed(error, "The schedule was not saved");
      }
    });
  }

  function onSubmit(event) {
    event.preventDefault();
    if (editing) showReview();
    else create();
  }

  // ---- filling the form from a schedule ----
  const checkRadio = (groupName, value) => {
    const radio = form.querySelector(`input[name="${groupName}"][value="${value}"]`);
    if (radio) radio.checked = true;
  };
  const text = (value) => (value === null || value === undefined ? "" : String(value));
  let loadedUpcoming = null;

  function load(s) {
    loaded = s;
    name.value = text(s.name);
    description.value = text(s.description);
    triggerType = s.trigger_type;
    checkRadio("trigger_type", triggerType);
    cron.value = text(s.cron_expression);
    if (![...zone.options].some((option) => option.value === s.timezone)) {
      zone.appendChild(h("option", { value: s.timezone }, s.timezone));
    }
    zone.value = s.timezone || "UTC";
    interval.set(s.interval_seconds);
    setInstant(runAt, s.run_at);
    delay.set(s.delay_seconds);
    setInstant(startAt, s.start_at);
    setInstant(endAt, s.end_at);
    whatKind = KINDS.some(([kind]) => kind === s.kind) ? s.kind : "task";
    checkRadio("what", whatKind);
    task.value = text(s.task);
    args.value = s.args && s.args.length ? JSON.stringify(s.args) : "";
    kwargs.value = s.kwargs && Object.keys(s.kwargs).length ? json(s.kwargs) : "";
    executor.value = s.executor || "local";
    callbackType.value = s.callback_type || "workflow";
    callbackId.value = text(s.callback_id);
    scrape.load(s);
    redditFields.load(s);
    webhook.load(s);
    overlap.value = s.overlap_policy;
    misfire.value = s.misfire_policy;
    jitter.value = text(s.jitter_seconds);
    grace.value = text(s.misfire_grace_seconds);
    attempts.value = text(s.max_attempts);
    retryDelay.value = text(s.retry_delay_seconds);
    timeout.value = text(s.timeout_seconds);
    enabled.checked = s.enabled;
    showPanels();
  }

  // ---- layout ----
  const back = editing ? scheduleHref(editing) : "#/schedules";
  const zoneHint = () => h("span", { "data-zone-hint": "optional" }, `Optional; in ${displayZone()}.`);
  fill(form,
    h("section", { class: "form__section" },
      h("div", { class: "row" },
        field("Name", name, { name: "name" }),
        field("Description", description, { name: "description", wide: true }))),
    h("section", { class: "form__section" },
      h("h2", null, "When"),
      segmented("trigger_type", [["cron", "Cron"], ["interval", "Interval"], ["once", "Once"], ["delayed", "Delayed"]],
        triggerType, (event) => {
          triggerType = event.target.value;
          showPanels();
          clearErrors(TRIGGER_FIELDS);
          hideReview();
          runPreview();
        }, "When it fires"),
      h("span", { class: "field__error", "data-error-for": "trigger_type" }),
      Object.values(triggerPanels)),
    h("section", { class: "form__section" },
      h("h2", null, "What"),
      segmented("what", KINDS, whatKind, (event) => {
        whatKind = event.target.value;
        hideReview();
        showPanels();
      }, "What it runs"),
      h("span", { class: "field__error", "data-error-for": "kind" }),
      Object.values(kindPanels)),
    h("section", { class: "form__section" },
      h("h2", null, "Whom to tell"),
      webhook.node),
    h("section", { class: "form__section" },
      h("h2", null, "Policies"),
      h("div", { class: "row" },
        field("When a run is still going", overlap, { name: "overlap_policy" }),
        field("After downtime", misfire, { name: "misfire_policy" }))),
    h("details", { class: "form__section form__more", open: Boolean(editing) },
      h("summary", null, "More options"),
      h("div", { class: "row" },
        field("Start at", startAt, { name: "start_at", hint: zoneHint() }),
        field("End at", endAt, { name: "end_at", hint: zoneHint() }),
        field("Jitter (seconds)", jitter, { name: "jitter_seconds" }),
        field("Misfire grace (seconds)", grace, { name: "misfire_grace_seconds" }),
        field("Timeout (seconds)", timeout, { name: "timeout_seconds" }),
        field("Attempts", attempts, { name: "max_attempts" }),
        field("Retry delay (seconds)", retryDelay, { name: "retry_delay_seconds" })),
      h("span", { class: "field__error", "data-error-for": "webhook_secret" })),
    review,
    h("div", { class: "form__actions" },
      h("label", { class: "check" }, enabled, editing ? " Enabled" : " Enabled: start firing at once"),
      h("span", { class: "spacer" }),
      h("a", { class: "btn btn--ghost", href: back }, "Cancel"),
      submit));
  form.addEventListener("submit", onSubmit);
  // Anything typed after a review makes that review stale: the next submit reviews again.
  form.addEventListener("input", (event) => {
    if (!review.contains(event.target)) hideReview();
  });
  for (const input of [cron, zone, runAt, startAt, endAt, ...interval.inputs, ...delay.inputs]) {
    input.addEventListener("input", schedulePreview);
    input.addEventListener("change", schedulePreview);
  }

  const heading = h("h1", null, editing ? "Edit schedule" : "New schedule");
  const layout = h("div", { class: "form-layout" },
    form,
    h("aside", { class: "preview card", "aria-live": "polite", "aria-label": "Preview" },
      h("h2", { class: "card__title" }, "Preview"),
      h("p", { class: "muted small", "data-zone-hint": "preview" }, `Next ${PREVIEW_COUNT} fire times, in ${displayZone()}.`),
      preview));
  fill(ctx.root,
    h("a", { class: "back", href: back }, editing ? "← Schedule" : "← Schedules"),
    h("div", { class: "page-head" }, heading),
    editing ? h("p", { class: "loading" }, "Loading schedule…") : layout);

  if (editing) {
    submit.textContent = "Review changes";
    Promise.all([schedules.get(editing), schedules.upcoming(editing, PREVIEW_COUNT).catch(() => null)])
      .then(([s, upcoming]) => {
        load(s);
        loadedUpcoming = upcoming ? upcoming.items : null;
        original = fullBody().body;
        const title = s.name || shortId(s.id);
        ctx.setTitle(`Edit ${title}`);
        heading.textContent = `Edit “${title}”`;
        fill(ctx.root, ctx.root.firstChild, ctx.root.children[1], layout);
        runPreview();
        name.focus();
      })
      .catch((error) => {
        if (error instanceof ApiError && error.status === 404) {
          fill(ctx.root, emptyState("This schedule does not exist.", "It may have been deleted.",
            h("a", { href: "#/schedules" }, "Back to schedules")));
          return;
        }
        ctx.fail(error);
      });
  } else {
    showPanels();
    runPreview();
    name.focus();
  }

  return {
    /**
     * The top bar's local/UTC switch, without remounting (which would lose what is typed): the
     * date-time inputs keep the instants they meant, shown in the new zone, and the preview is redrawn.
     */
    switchTimes(apply) {
      const kept = [runAt, startAt, endAt].map((input) => [input, instant(input)]);
      apply();
      for (const [input, at] of kept) if (at) setInstant(input, at);
      const zone = displayZone();
      for (const hint of layout.querySelectorAll("[data-zone-hint]")) {
        hint.textContent = {
          run_at: `In ${zone}, as the top bar shows times.`,
          optional: `Optional; in ${zone}.`,
          preview: `Next ${PREVIEW_COUNT} fire times, in ${zone}.`,
        }[hint.dataset.zoneHint];
      }
      if (layout.isConnected) runPreview();
    },
    dispose() {
      schedulePreview.cancel();
      if (previewAbort) previewAbort.abort();
    },
  };
}
