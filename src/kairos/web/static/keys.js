// The API keys page (admin): the keys of this workspace, creating one (its secret shown exactly
// once, with a copy button), and revoking one.

import { itemsOf, ROLES } from "./access.js";
import { ApiError, apiKeys } from "./api.js";
import { busy, fill, h, select } from "./dom.js";
import { badge, card, code, emptyState, table, when } from "./widgets.js";

/** A `<datetime-local>` value as an RFC 3339 instant, or null when empty. */
function instant(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Copy `text`; falls back to selecting it when the clipboard is not available (plain http). */
export function copyButton(text, target, notify) {
  return h("button", {
    type: "button", class: "btn btn--small btn--primary-soft",
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text);
        notify("Copied to the clipboard.");
      } catch {
        if (target && target.select) target.select();
        notify("Select the text and copy it by hand; this page may not use the clipboard.", { tone: "warn" });
      }
    },
  }, "Copy");
}

/** The one and only showing of a new secret. */
export function secretOnce(label, secret, notify, note = "Copy it now: you will not see it again. Kairos keeps only a hash.") {
  const field = h("input", { type: "text", class: "mono secret__value", readonly: true, value: secret,
    "aria-label": label, onfocus: (event) => event.target.select() });
  return h("div", { class: "secret", role: "status" },
    h("strong", null, label),
    h("div", { class: "input-group" }, field, copyButton(secret, field, notify)),
    h("p", { class: "secret__warning" }, note));
}

function keyStatus(key, now = Date.now()) {
  if (key.revoked_at) return badge("revoked", "bad");
  if (key.expires_at && new Date(key.expires_at).getTime() <= now) return badge("expired", "warn");
  return badge("active", "ok");
}

export function keysPage(ctx) {
  ctx.setTitle("API keys");
  const list = h("div", { class: "results" }, h("p", { class: "loading" }, "Loading keys…"));
  const revealed = h("div");
  const name = h("input", { type: "text", maxlength: 200, required: true, placeholder: "CI pipeline", autocomplete: "off" });
  const role = select({ "aria-label": "Role" }, ROLES.map((r) => [r, r]), "operator");
  const expires = h("input", { type: "datetime-local", "aria-label": "Expires" });
  const error = h("span", { class: "field__error" });
  const submit = h("button", { type: "submit", class: "btn btn--primary" }, "Create key");
  const form = h("form", { class: "row row--end", novalidate: true },
    h("label", { class: "field" }, h("span", { class: "field__label" }, "Name"), name),
    h("label", { class: "field" }, h("span", { class: "field__label" }, "Role"), role),
    h("label", { class: "field" }, h("span", { class: "field__label" }, "Expires (optional, local time)"), expires),
    submit);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    if (!name.value.trim()) {
      error.textContent = "Give the key a name that says who uses it.";
      return;
    }
    const body = { name: name.value.trim(), role: role.value };
    const expiry = instant(expires.value);
    if (expiry) body.expires_at = expiry;
    busy(submit, async () => {
      try {
        const created = await apiKeys.create(body);
        fill(revealed, secretOnce(`The secret of “${created.name}”`, created.secret, ctx.notify));
        name.value = "";
        expires.value = "";
        ctx.refresh();
      } catch (failure) {
        if (failure instanceof ApiError && failure.status === 400) {
          error.textContent = [...failure.fieldErrors()].map(([f, m]) => `${f}: ${m}`).join("; ") || failure.detail;
        } else {
          ctx.fail(failure);
        }
      }
    });
  });

  const revokeButton = (key) => h("button", {
    type: "button", class: "btn btn--small btn--danger-soft",
    onclick: async (event) => {
      const button = event.currentTarget;
      const sure = await ctx.confirm({
        title: `Revoke “${key.name}”?`,
        body: "Every request with this key fails from now on. This cannot be undone.",
        confirmLabel: "Revoke key",
      });
      if (!sure) return;
      await busy(button, async () => {
        try {
          await apiKeys.revoke(key.id);
          ctx.notify(`Revoked “${key.name}”.`);
          ctx.refresh();
        } catch (failure) {
          ctx.fail(failure);
        }
      });
    },
  }, "Revoke");

  fill(ctx.root,
    h("div", { class: "page-head" }, h("h1", null, "API keys")),
    card("New key", form, error, revealed),
    list);

  async function refresh() {
    const keys = itemsOf(await apiKeys.list({ limit: 200 }));
    if (!keys.length) {
      fill(list, emptyState("No API keys.", "Create one above for a script, a CI job or a service."));
      return {};
    }
    fill(list, table(["Name", "Prefix", "Role", "Status", "Expires", "Last used", "Created", ""], keys.map((key) => [
      key.name,
      code(`${key.prefix}…`),
      badge(key.role, "role"),
      keyStatus(key),
      when(key.expires_at, { empty: "never" }),
      when(key.last_used_at, { empty: "never" }),
      when(key.created_at),
      key.revoked_at ? h("span", { class: "muted small" }, "revoked ", when(key.revoked_at, { inline: true })) : revokeButton(key),
    ])));
    return { interval: 30000 };
  }

  return { refresh };
}
