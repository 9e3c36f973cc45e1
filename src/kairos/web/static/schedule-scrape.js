// The parts of the schedule form for a scrape (strategy, url or urls, parameters) and for the
// webhook (url, type, metadata); and the webhook secret, shown once after it is made.

import { everyPage, strategies } from "./api.js";
import { fill, h, select } from "./dom.js";
import { secretOnce } from "./keys.js";

function field(label, control, name, hint = null) {
  return h("label", { class: "field" }, h("span", { class: "field__label" }, label), control,
    hint ? h("span", { class: "field__hint" }, hint) : null,
    h("span", { class: "field__error", "data-error-for": name }));
}

function parseObject(text) {
  if (!text.trim()) return { value: {} };
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return { error: "must be a JSON object" };
    return { value };
  } catch (error) {
    return { error: `not valid JSON: ${error.message}` };
  }
}

/** The scrape panel: `read(body, errors)` adds `strategy_id`, `url` or `urls`, and `parameters`. */
export function scrapePanel(ctx) {
  const strategy = select({ "data-field": "strategy_id" }, [["", "Loading strategies…"]], "");
  let wanted = "";
  // Every strategy, past the API's 200 a page.
  everyPage(strategies.list, { limit: 200 }, { max: 5000 })
    .then(({ items }) => {
      const choices = items.map((s) => [s.id, `${s.name} (${s.type})`]);
      fill(strategy, [["", choices.length ? "Choose a strategy" : "No strategies yet: create one first"], ...choices]
        .map(([value, label]) => h("option", { value }, label)));
      if (wanted) strategy.value = wanted;
    })
    .catch((error) => ctx.fail(error));
  const urls = h("textarea", { class: "mono", rows: 3, spellcheck: "false", "data-field": "url",
    placeholder: "https://example.com/page\nOne URL per line for several" });
  const parameters = h("textarea", { class: "mono", rows: 2, spellcheck: "false", placeholder: "{\"query\": \"kairos\"}",
    "data-field": "parameters" });
  const node = h("div", { class: "panel" },
    h("div", { class: "row" },
      field("Strategy", strategy, "strategy_id", h("a", { href: "#/strategies/new" }, "New strategy…")),
      field("URL or URLs", urls, "url", "One per line. An API strategy may need none: its request has the URL.")),
    h("span", { class: "field__error", "data-error-for": "urls" }),
    field("Parameters (JSON object, optional)", parameters, "parameters",
      "Override the strategy's default parameters, e.g. for {placeholders} in an API request."));

  function read(body, errors) {
    body.strategy_id = strategy.value;
    const list = urls.value.split("\n").map((line) => line.trim()).filter(Boolean);
    if (list.length === 1) body.url = list[0];
    else if (list.length > 1) body.urls = list;
    const parsed = parseObject(parameters.value);
    if (parsed.error) errors.set("parameters", parsed.error);
    else if (Object.keys(parsed.value).length) body.parameters = parsed.value;
  }

  /** Show a saved schedule's scrape fields (the strategy list may still be loading). */
  function load(s) {
    if (s.strategy_id && ![...strategy.options].some((option) => option.value === s.strategy_id)) {
      strategy.appendChild(h("option", { value: s.strategy_id }, s.strategy_id));
    }
    strategy.value = s.strategy_id || "";
    wanted = s.strategy_id || "";
    urls.value = (s.urls && s.urls.length ? s.urls : [s.url]).filter(Boolean).join("\n");
    parameters.value = s.parameters && Object.keys(s.parameters).length ? JSON.stringify(s.parameters, null, 2) : "";
  }

  return { node, read, load };
}

/** The webhook fields: `read(body, errors)` adds `webhook_url`, `webhook_type` and `webhook_metadata`. */
export function webhookPanel() {
  const url = h("input", { type: "url", placeholder: "Optional: where to POST each result", autocomplete: "off",
    "data-field": "webhook_url" });
  const type = select({ "data-field": "webhook_type" },
    [["", "Detect from the URL"], ["standard", "Standard (signed JSON)"], ["slack", "Slack message"]], "");
  const metadata = h("textarea", { class: "mono", rows: 2, spellcheck: "false", placeholder: "{\"team\": \"data\"}",
    "data-field": "webhook_metadata" });
  const node = h("div", { class: "panel" },
    h("div", { class: "row" },
      h("label", { class: "field field--wide" }, h("span", { class: "field__label" }, "Webhook URL"), url,
        h("span", { class: "field__hint" }, "Kairos POSTs every finished job here, signed with a secret it shows you once."),
        h("span", { class: "field__error", "data-error-for": "webhook_url" })),
      field("Type", type, "webhook_type")),
    field("Metadata (JSON object, echoed in every payload)", metadata, "webhook_metadata"));

  function read(body, errors) {
    if (!url.value.trim()) return;
    body.webhook_url = url.value.trim();
    if (type.value) body.webhook_type = type.value;
    const parsed = parseObject(metadata.value);
    if (parsed.error) errors.set("webhook_metadata", parsed.error);
    else if (Object.keys(parsed.value).length) body.webhook_metadata = parsed.value;
  }

  function load(s) {
    url.value = s.webhook_url || "";
    type.value = s.webhook_url ? s.webhook_type || "" : "";
    metadata.value = s.webhook_metadata && Object.keys(s.webhook_metadata).length
      ? JSON.stringify(s.webhook_metadata, null, 2) : "";
  }

  return { node, read, load };
}

// A secret the server returned on create, kept in memory until the schedule's page shows it once.
const pendingSecrets = new Map();

export function rememberSecret(scheduleId, secret) {
  if (secret) pendingSecrets.set(scheduleId, secret);
}

/** The secret to show on this schedule's page, once: reading it forgets it. */
export function takeSecret(scheduleId) {
  const secret = pendingSecrets.get(scheduleId) || null;
  pendingSecrets.delete(scheduleId);
  return secret;
}

/** The once-only box with a webhook secret. */
export function webhookSecretBox(secret, notify) {
  // Unlike an API key, this secret is kept: Kairos signs every delivery with it and sends it in
  // the X-Webhook-Secret header, so the page must not claim it is stored only as a hash.
  return secretOnce("Webhook secret", secret, notify, "Copy it now: this page will not show it again. Kairos " +
    "keeps it to sign each delivery (webhook-signature) and sends it in the X-Webhook-Secret header; " +
    "use it to check that a delivery came from Kairos.");
}
