// The "Test" panel of a strategy: run it against a URL, or pasted HTML or JSON, and show the items
// it extracts, or the error naming the selector, field or URL that failed.

import { ApiError, strategies } from "./api.js";
import { busy, fill, h } from "./dom.js";
import { count, json } from "./format.js";
import { card, pre, table } from "./widgets.js";

const SOURCES = [["url", "A URL"], ["html", "Pasted HTML"], ["json", "Pasted JSON"]];
const SHOWN_ITEMS = 50;

/** Items as a table when they are flat objects sharing keys, else as JSON. */
export function itemsView(items, { limit = SHOWN_ITEMS } = {}) {
  if (!items || !items.length) return h("p", { class: "muted" }, "No items.");
  const shown = items.slice(0, limit);
  const flat = shown.every((item) => item && typeof item === "object" && !Array.isArray(item));
  const more = items.length > shown.length ? h("p", { class: "muted small" }, `First ${shown.length} of ${count(items.length)}.`) : null;
  if (!flat) return [pre(json(shown)), more];
  const columns = [...new Set(shown.flatMap((item) => Object.keys(item)))].slice(0, 8);
  const cell = (value) => {
    if (value === null || value === undefined) return h("span", { class: "muted" }, "—");
    const text = typeof value === "object" ? JSON.stringify(value) : String(value);
    return h("span", { class: "cell-text", title: text }, text.length > 160 ? `${text.slice(0, 160)}…` : text);
  };
  return [table(columns, shown.map((item) => columns.map((name) => cell(item[name]))), { className: "table--compact" }), more];
}

/**
 * `strategyBody()` gives the strategy as the form holds it (or an `{error}`); `savedId()` the id
 * when the form matches what is saved, so the saved strategy is tested as it is.
 */
export function testPanel(ctx, { strategyBody, savedId, strategyType }) {
  let source = "url";
  const url = h("input", { type: "url", placeholder: "https://example.com/page", autocomplete: "off", "data-field": "url" });
  const documentText = h("textarea", { class: "mono", rows: 8, spellcheck: "false", "data-field": "document",
    placeholder: "<html>… or {\"items\": […]}" });
  const parameters = h("textarea", { class: "mono", rows: 2, spellcheck: "false", placeholder: "{\"page\": 2}",
    "data-field": "parameters" });
  const output = h("div", { class: "test__output", "aria-live": "polite" });
  const run = h("button", { type: "button", class: "btn btn--primary-soft" }, "Test");
  const urlField = h("label", { class: "field" }, h("span", { class: "field__label" }, "URL"), url);
  const docField = h("label", { class: "field" }, h("span", { class: "field__label" }, "Document"), documentText);

  const showSource = () => {
    urlField.hidden = source !== "url";
    docField.hidden = source === "url";
  };
  const sourcePicker = h("div", { class: "segmented", role: "radiogroup" }, SOURCES.map(([value, label]) =>
    h("label", { class: "segmented__option" },
      h("input", { type: "radio", name: "test-source", value, checked: value === source,
        onchange: (event) => { source = event.target.value; showSource(); } }),
      h("span", null, label))));

  const showError = (text) => fill(output, h("pre", { class: "error-text" }, text));

  // The URL field is not in a form of its own (the panel sits beside the strategy's form), so Enter
  // would do nothing: it runs the test, as a person expects.
  url.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      run.click();
    }
  });
  run.addEventListener("click", () => busy(run, async () => {
    const body = {};
    if (source === "url") {
      if (!url.value.trim()) return showError("Enter the URL to fetch.");
      body.url = url.value.trim();
    } else if (source === "html") {
      body.html = documentText.value;
    } else {
      try {
        body.json = JSON.parse(documentText.value);
      } catch (error) {
        return showError(`The pasted JSON does not parse: ${error.message}`);
      }
    }
    if (parameters.value.trim()) {
      try {
        body.parameters = JSON.parse(parameters.value);
      } catch (error) {
        return showError(`Parameters: not valid JSON: ${error.message}`);
      }
    }
    const id = savedId();
    let answer;
    try {
      if (id) {
        answer = await strategies.test(id, body);
      } else {
        const strategy = strategyBody();
        if (strategy.error) return showError(strategy.error);
        answer = await strategies.testUnsaved({ ...body, strategy: strategy.body });
      }
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 400) return ctx.fail(error);
      const lines = error.errors.map((e) => `${(e.loc || []).filter((p) => p !== "body").join(".")}: ${e.msg}`);
      return showError(lines.length ? lines.join("\n") : error.detail);
    }
    fill(output,
      h("p", null, h("strong", null, `${count(answer.count)} item${answer.count === 1 ? "" : "s"}`),
        id ? h("span", { class: "muted small" }, " · the saved strategy") : h("span", { class: "muted small" }, " · as edited, unsaved")),
      (answer.warnings || []).length ? h("ul", { class: "note" }, answer.warnings.map((w) => h("li", null, w))) : null,
      itemsView(answer.items));
    return undefined;
  }));

  showSource();
  if (!ctx.can("operator")) {
    run.disabled = true;
    run.title = "Testing a strategy needs the operator role";
  }
  const node = card("Test",
    h("p", { class: "muted small" }, "Runs the extraction without saving anything. ",
      strategyType() === "api" ? "An API strategy makes its request; parameters fill its placeholders." : ""),
    sourcePicker, urlField, docField,
    h("label", { class: "field" }, h("span", { class: "field__label" }, "Parameters (JSON object, optional)"), parameters),
    h("div", { class: "form__actions" }, run),
    output);
  return { node };
}
