// One strategy: the create/edit form (type, item selector, the fields editor, the API request
// template, default parameters) beside its Test panel.

import { ApiError, strategies } from "./api.js";
import { busy, fill, h, select } from "./dom.js";
import { json } from "./format.js";
import { nameLink } from "./names.js";
import { testPanel } from "./strategy-test.js";
import { emptyState } from "./widgets.js";

const TYPES = [["css", "CSS"], ["xpath", "XPath"], ["json", "JSON (JMESPath)"], ["api", "API"]];
const ITEM_HINTS = {
  css: "A CSS selector matching each item, e.g. article.post. Empty: the whole page is one item.",
  xpath: "An XPath matching each item, e.g. //article. Empty: the whole page is one item.",
  json: "A JMESPath to the list of items, e.g. data.items. Empty: the whole document is one item.",
  api: "A JMESPath to the list of items in the API's answer.",
};
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

function labelled(label, control, { hint = null, name = null, wide = false } = {}) {
  return h("label", { class: ["field", wide && "field--wide"] }, h("span", { class: "field__label" }, label), control,
    hint ? h("span", { class: "field__hint" }, hint) : null,
    name ? h("span", { class: "field__error", "data-error-for": name }) : null);
}

/** One row of the fields editor: name, selector, attribute, regex, every match, required. */
function fieldRow(name = "", spec = {}, onRemove) {
  const value = typeof spec === "string" ? { selector: spec } : spec || {};
  const inputs = {
    name: h("input", { type: "text", value: name, placeholder: "title", "aria-label": "Field name", class: "mono" }),
    selector: h("input", { type: "text", value: value.selector || "", placeholder: "h2 a::text", "aria-label": "Selector",
      class: "mono" }),
    attr: h("input", { type: "text", value: value.attr || "", placeholder: "href", "aria-label": "Attribute", class: "mono" }),
    regex: h("input", { type: "text", value: value.regex || "", placeholder: "optional", "aria-label": "Regex", class: "mono" }),
    all: h("input", { type: "checkbox", checked: Boolean(value.all), "aria-label": "Every match" }),
    required: h("input", { type: "checkbox", checked: Boolean(value.required), "aria-label": "Required" }),
  };
  const row = h("tr", null,
    ["name", "selector", "attr", "regex"].map((key) => h("td", { "data-col": key }, inputs[key])),
    h("td", { class: "center" }, inputs.all), h("td", { class: "center" }, inputs.required),
    h("td", null, h("button", { type: "button", class: "btn btn--small btn--ghost", "aria-label": "Remove field",
      onclick: () => { row.remove(); onRemove(); } }, "×")));
  row.read = () => {
    const spec2 = { selector: inputs.selector.value.trim() };
    if (inputs.attr.value.trim()) spec2.attr = inputs.attr.value.trim();
    if (inputs.regex.value.trim()) spec2.regex = inputs.regex.value.trim();
    if (inputs.all.checked) spec2.all = true;
    if (inputs.required.checked) spec2.required = true;
    return [inputs.name.value.trim(), spec2];
  };
  return row;
}

function parseObject(text, label) {
  if (!text.trim()) return { value: {} };
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return { error: `${label}: must be a JSON object` };
    return { value };
  } catch (error) {
    return { error: `${label}: not valid JSON: ${error.message}` };
  }
}

export function strategyEditor(ctx) {
  const [strategyId] = ctx.params;
  const editable = ctx.can("operator");
  ctx.setTitle(strategyId ? "Strategy" : "New strategy");
  const body = h("div", { class: "detail" }, h("p", { class: "loading" }, "Loading strategy…"));
  fill(ctx.root, h("a", { class: "back", href: "#/strategies" }, "← Strategies"), body);
  let saved = null;
  let savedJson = null;

  function render(strategy) {
    const s = strategy || { type: "css", fields: {}, parameters: {} };
    let type = s.type;
    const name = h("input", { type: "text", value: s.name || "", maxlength: 200, required: true, "data-field": "name" });
    const description = h("input", { type: "text", value: s.description || "", maxlength: 2000 });
    const typeSelect = select({ "data-field": "type" }, TYPES, type);
    const item = h("input", { type: "text", class: "mono", value: s.item || "", "data-field": "item" });
    const itemHint = h("span", { class: "field__hint" });
    const rows = h("tbody");
    const addRow = (fieldName, spec) => rows.appendChild(fieldRow(fieldName, spec, () => {}));
    for (const [fieldName, spec] of Object.entries(s.fields || {})) addRow(fieldName, spec);
    if (!rows.children.length) addRow("", {});
    const request = s.request || {};
    const method = select({ "aria-label": "Method" }, METHODS.map((m) => [m, m]), request.method || "GET");
    const requestUrl = h("input", { type: "text", class: "mono", value: request.url || "",
      placeholder: "https://api.example.com/search?q={query}", "data-field": "request" });
    const headers = h("textarea", { class: "mono", rows: 2, spellcheck: "false", placeholder: "{\"Accept\": \"application/json\"}" });
    headers.value = request.headers && Object.keys(request.headers).length ? json(request.headers) : "";
    const requestBody = h("textarea", { class: "mono", rows: 3, spellcheck: "false", placeholder: "Optional; JSON or text" });
    requestBody.value = request.body === null || request.body === undefined ? ""
      : (typeof request.body === "string" ? request.body : json(request.body));
    const parameters = h("textarea", { class: "mono", rows: 2, spellcheck: "false", placeholder: "{\"query\": \"kairos\"}",
      "data-field": "parameters" });
    parameters.value = s.parameters && Object.keys(s.parameters).length ? json(s.parameters) : "";
    const apiSection = h("section", { class: "form__section" }, h("h2", null, "Request"),
      h("div", { class: "row" }, labelled("Method", method), labelled("URL", requestUrl, { name: "request", wide: true,
        hint: "{name} placeholders are filled from parameters." })),
      labelled("Headers (JSON object)", headers),
      labelled("Body", requestBody));
    const showType = () => {
      itemHint.textContent = ITEM_HINTS[type];
      apiSection.hidden = type !== "api";
      for (const cell of rows.querySelectorAll('[data-col="attr"]')) cell.hidden = !["css", "xpath"].includes(type);
    };
    typeSelect.addEventListener("change", (event) => { type = event.target.value; showType(); });

    function collect() {
      const out = { name: name.value.trim(), description: description.value.trim(), type, item: item.value.trim() || null };
      out.fields = {};
      for (const row of rows.children) {
        const [fieldName, spec] = row.read();
        if (!fieldName && !spec.selector) continue;
        if (!fieldName) return { error: `fields: the field with selector “${spec.selector}” needs a name` };
        if (!["css", "xpath"].includes(type)) delete spec.attr;
        out.fields[fieldName] = spec;
      }
      const params = parseObject(parameters.value, "parameters");
      if (params.error) return { error: params.error };
      out.parameters = params.value;
      if (type === "api") {
        const parsedHeaders = parseObject(headers.value, "request headers");
        if (parsedHeaders.error) return { error: parsedHeaders.error };
        let sentBody = requestBody.value.trim() ? requestBody.value : null;
        try {
          if (sentBody) sentBody = JSON.parse(sentBody);
        } catch {
          // Not JSON: the body is sent as the text it is.
        }
        out.request = { method: method.value, url: requestUrl.value.trim(), headers: parsedHeaders.value, body: sentBody };
      } else {
        out.request = null;
      }
      return { body: out };
    }

    const error = h("div", { class: "field__error", role: "alert" });
    const save = h("button", { type: "submit", class: "btn btn--primary" }, strategyId ? "Save changes" : "Create strategy");
    const remove = strategyId && ctx.can("admin") ? h("button", { type: "button", class: "btn btn--danger-soft",
      onclick: async (event) => {
        const button = event.currentTarget;
        const sure = await ctx.confirm({ title: `Delete “${s.name}”?`,
          body: "This cannot be undone. A strategy that schedules still use is not deleted: Kairos refuses, " +
            "and says which schedules to change first.", confirmLabel: "Delete strategy" });
        if (!sure) return;
        await busy(button, async () => {
          try {
            await strategies.remove(strategyId);
            ctx.notify(`Deleted “${s.name}”.`);
            ctx.navigate("#/strategies");
          } catch (failure) {
            if (!(failure instanceof ApiError) || failure.status !== 409) {
              ctx.fail(failure);
              return;
            }
            // Said beside the button that was pressed: a banner at the top of a long page goes unseen.
            // The server names the schedules by id: each becomes a link reading as its name.
            fill(error, "Not deleted: ", failure.detail.split(/(sched_[\w-]+)/).map((part, index) =>
              (index % 2 ? nameLink("schedule", part) : part.replace(/strategy '[^']+'/, "this strategy"))));
            error.scrollIntoView({ block: "center" });
          }
        });
      } }, "Delete") : null;

    const form = h("form", { class: "form", novalidate: true },
      h("section", { class: "form__section" }, h("h2", null, "Strategy"),
        h("div", { class: "row" }, labelled("Name", name, { name: "name" }), labelled("Type", typeSelect, { name: "type" })),
        labelled("Description", description, { wide: true }),
        h("label", { class: "field" }, h("span", { class: "field__label" }, "Item selector"), item, itemHint,
          h("span", { class: "field__error", "data-error-for": "item" }))),
      h("section", { class: "form__section" }, h("h2", null, "Fields"),
        h("div", { class: "table-wrap" }, h("table", { class: "table table--compact table--editor" },
          h("thead", null, h("tr", null, ["Name", "Selector", "Attribute", "Regex", "All", "Required", ""].map((c) =>
            h("th", { "data-col": c === "Attribute" ? "attr" : null }, c)))),
          rows)),
        h("span", { class: "field__error", "data-error-for": "fields" }),
        editable ? h("button", { type: "button", class: "btn btn--small btn--ghost add-row",
          onclick: () => { addRow("", {}); showType(); } }, "+ Add field") : null),
      apiSection,
      h("section", { class: "form__section" }, h("h2", null, "Default parameters"),
        labelled("Parameters (JSON object)", parameters, { name: "parameters",
          hint: "Schedules and jobs may override each one." })),
      error,
      editable ? h("div", { class: "form__actions" }, remove, h("span", { class: "spacer" }),
        h("a", { class: "btn btn--ghost", href: "#/strategies" }, "Cancel"), save) : null);
    if (!editable) for (const control of form.querySelectorAll("input, select, textarea, button")) control.disabled = true;

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = "";
      error.textContent = "";
      const collected = collect();
      if (collected.error) {
        error.textContent = collected.error;
        return;
      }
      busy(save, async () => {
        try {
          const answer = strategyId ? await strategies.update(strategyId, collected.body)
            : await strategies.create(collected.body);
          ctx.notify(strategyId ? `Saved “${answer.name}”.` : `Created “${answer.name}”.`);
          if (strategyId) {
            saved = answer;
            savedJson = JSON.stringify(collect().body);
          } else {
            ctx.navigate(`#/strategies/${encodeURIComponent(answer.id)}`);
          }
        } catch (failure) {
          if (!(failure instanceof ApiError) || failure.status !== 400) return ctx.fail(failure);
          const lines = failure.errors.map((e) => `${(e.loc || []).filter((p) => p !== "body").join(".")}: ${e.msg}`);
          error.textContent = lines.length ? lines.join("; ") : failure.detail;
        }
        return undefined;
      });
    });

    const tester = testPanel(ctx, {
      strategyBody: collect,
      savedId: () => {
        if (!strategyId || !saved) return null;
        const now = collect();
        return !now.error && JSON.stringify(now.body) === savedJson ? strategyId : null;
      },
      strategyType: () => type,
    });
    showType();
    ctx.setTitle(s.name || "New strategy");
    fill(body, h("div", { class: "page-head" }, h("h1", null, strategyId ? s.name : "New strategy")),
      h("div", { class: "form-layout form-layout--half" }, form, h("aside", null, tester.node)));
    savedJson = strategyId ? JSON.stringify(collect().body) : null;
    if (!strategyId) name.focus();
  }

  async function refresh() {
    if (!strategyId) {
      render(null);
      return { stop: true };
    }
    try {
      saved = await strategies.get(strategyId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        fill(body, emptyState("This strategy does not exist.", "It may have been deleted.",
          h("a", { href: "#/strategies" }, "Back to strategies")));
        return { stop: true };
      }
      throw error;
    }
    render(saved);
    // A form being edited must not be redrawn under the user's hands.
    return { stop: true };
  }

  // It shows no times: the local/UTC switch has nothing to redraw, and must not remount the form.
  return { refresh, switchTimes: (apply) => apply() };
}
