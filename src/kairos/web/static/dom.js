// Building DOM nodes without ever parsing HTML: text goes in as text nodes, so user data
// (schedule names, error messages, task results) can never become markup.

const SAFE_HREF = /^(#|\/(?!\/)|blob:)/;

function setAttribute(el, name, value) {
  if (value === undefined || value === null || value === false) return;
  if (name === "class") {
    const names = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    if (names) el.className = names;
  } else if (name === "dataset") {
    for (const [key, item] of Object.entries(value)) el.dataset[key] = String(item);
  } else if (name.startsWith("on") && typeof value === "function") {
    el.addEventListener(name.slice(2).toLowerCase(), value);
  } else if (name === "href" || name === "src") {
    // Only same-origin paths, in-page routes and downloads made here: never `javascript:`.
    el.setAttribute(name, SAFE_HREF.test(String(value)) ? String(value) : "#");
  } else if (name === "value" || name === "checked" || name === "selected") {
    el[name] = value;
  } else if (value === true) {
    el.setAttribute(name, "");
  } else {
    el.setAttribute(name, String(value));
  }
}

function append(el, child) {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) {
    for (const item of child) append(el, item);
  } else if (child instanceof Node) {
    el.appendChild(child);
  } else {
    el.appendChild(document.createTextNode(String(child)));
  }
}

/** `h("a", {href: "#/x", class: "link"}, "text", otherNode)`: an element with attributes and children. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) for (const [name, value] of Object.entries(attrs)) setAttribute(el, name, value);
  append(el, children);
  return el;
}

/** Replace every child of `el` with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** `fn`, called only once `ms` have passed without another call. */
export function debounce(fn, ms) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}

/** A `<select>` from `[value, label]` pairs, with `selected` chosen. */
export function select(attrs, options, selected) {
  return h("select", attrs, options.map(([value, label]) =>
    h("option", { value, selected: String(value) === String(selected ?? "") }, label)));
}

/** Run `action` with `button` disabled, so a double click cannot send a request twice. */
export async function busy(button, action) {
  if (button.disabled) return undefined;
  button.disabled = true;
  button.classList.add("is-busy");
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.classList.remove("is-busy");
  }
}
