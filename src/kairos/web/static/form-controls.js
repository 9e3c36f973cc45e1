// The building blocks of the dashboard's forms: a labelled field with its hint and error slot,
// segmented radio buttons, a duration with a unit, local date-times read and written as UTC.

import { h, select } from "./dom.js";
import { displayZone } from "./format.js";

const UNITS = [["1", "seconds"], ["60", "minutes"], ["3600", "hours"], ["86400", "days"]];

export function field(label, control, { name, hint = null, wide = false } = {}) {
  return h("label", { class: ["field", wide && "field--wide"] },
    h("span", { class: "field__label" }, label),
    control,
    hint ? h("span", { class: "field__hint" }, hint) : null,
    h("span", { class: "field__error", "data-error-for": name }));
}

export function segmented(name, options, checked, onchange, label = undefined) {
  return h("div", { class: "segmented", role: "radiogroup", "aria-label": label }, options.map(([value, label]) =>
    h("label", { class: "segmented__option" },
      h("input", { type: "radio", name, value, checked: value === checked, onchange }),
      h("span", null, label))));
}

/** A number with a unit select; reads back as a count of seconds. */
export function durationInput(name, defaultUnit) {
  const amount = h("input", { type: "number", min: 1, step: 1, inputmode: "numeric", "data-field": name });
  const unit = select({ "aria-label": "Unit" }, UNITS, defaultUnit);
  return {
    node: h("span", { class: "input-group" }, amount, unit),
    seconds: () => (amount.value.trim() === "" ? null : Math.round(Number(amount.value) * Number(unit.value))),
    /** Show `seconds` in the largest unit that divides it evenly. */
    set(seconds) {
      if (seconds === null || seconds === undefined) {
        amount.value = "";
        return;
      }
      const [size] = [...UNITS].reverse().find(([step]) => seconds % Number(step) === 0) || UNITS[0];
      unit.value = size;
      amount.value = String(seconds / Number(size));
    },
    inputs: [amount, unit],
  };
}

/** A `datetime-local` input, read in the zone the dashboard shows times in (local or UTC). */
export function dateTimeInput(name) {
  return h("input", { type: "datetime-local", step: 1, "data-field": name });
}

/** The wall-clock value of a `datetime-local` input as an RFC 3339 instant, or null. */
export function instant(input) {
  if (!input.value) return null;
  const text = input.value.length === 16 ? `${input.value}:00` : input.value;
  const date = new Date(displayZone() === "UTC" ? `${text}Z` : text);
  return Number.isNaN(date.getTime()) ? null : date.toISOString().replace(".000Z", "Z");
}

/** Write an instant into a `datetime-local` input as wall-clock time in the display zone. */
export function setInstant(input, iso) {
  if (!iso) {
    input.value = "";
    return;
  }
  const date = new Date(iso);
  const shifted = displayZone() === "UTC" ? date : new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  input.value = shifted.toISOString().slice(0, 19);
}

export function parseJson(text, kind) {
  const source = text.trim();
  if (!source) return { value: kind === "list" ? [] : {} };
  try {
    const value = JSON.parse(source);
    if (kind === "list" && !Array.isArray(value)) return { error: "must be a JSON list, such as [1, \"two\"]" };
    if (kind === "object" && (value === null || typeof value !== "object" || Array.isArray(value))) {
      return { error: "must be a JSON object, such as {\"seconds\": 10}" };
    }
    return { value };
  } catch (error) {
    return { error: `not valid JSON: ${error.message}` };
  }
}

