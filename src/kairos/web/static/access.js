// Who the caller is in the current workspace, and what the dashboard offers them for it.
// The server enforces every role; hiding what a role cannot do only spares people a 403.

import { ApiError, me, session, workspaces } from "./api.js";
import { busy, fill, h } from "./dom.js";

export const ROLES = ["viewer", "operator", "admin"];

/** Whether the current role is at least `needed` ("viewer", "operator" or "admin"). */
export function can(needed, role = session.me ? session.me.role : null) {
  // Without an answer from /me the role is unknown: offer everything and let the server decide.
  if (!role || !ROLES.includes(role)) return true;
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** Ask `GET /me` who we are here; a missing route or a failure leaves the role unknown. */
export async function loadMe() {
  try {
    session.me = await me.get();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    session.me = null;
  }
  return session.me;
}

/** The list shape (`{items: […]}`) or a bare array, as a list. */
export function itemsOf(answer) {
  if (Array.isArray(answer)) return answer;
  return answer && Array.isArray(answer.items) ? answer.items : [];
}

/** The workspaces this caller can reach; a key that cannot list them still knows its own. */
export async function reachableWorkspaces(fallback = []) {
  try {
    const found = itemsOf(await workspaces.list({ limit: 200 }));
    return found.length ? found : fallback;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    return fallback;
  }
}

/** The topbar's workspace picker: a select of reachable workspaces, and "New workspace…" for people. */
export function workspaceSwitcher(list, currentSlug, onSwitch) {
  const known = list.some((w) => w.slug === currentSlug || w.id === currentSlug);
  const options = known ? list : [{ slug: currentSlug, name: currentSlug }, ...list];
  const picker = h("select", {
    class: "session__picker", "aria-label": "Workspace",
    onchange: (event) => {
      if (event.target.value === "__new__") {
        event.target.value = currentSlug;
        location.hash = "#/workspaces/new";
        return;
      }
      onSwitch(event.target.value);
    },
  }, options.map((w) => h("option", { value: w.slug, selected: w.slug === currentSlug || w.id === currentSlug },
    w.name && w.name !== w.slug ? `${w.name} (${w.slug})` : w.slug, w.role ? ` · ${w.role}` : "")),
  session.current && session.current.mode === "cookie" ? h("option", { value: "__new__" }, "New workspace…") : null);
  return picker;
}

/** The "new workspace" page: slug + name; the creator becomes its admin. */
export function workspaceForm(ctx) {
  ctx.setTitle("New workspace");
  const slug = h("input", { type: "text", name: "slug", required: true, maxlength: 63, autocomplete: "off",
    spellcheck: "false", placeholder: "team-data", pattern: "[a-z0-9][a-z0-9-]*", "data-field": "slug" });
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 200, autocomplete: "off",
    placeholder: "Team data", "data-field": "name" });
  const submit = h("button", { type: "submit", class: "btn btn--primary" }, "Create workspace");
  const errorFor = (field) => h("span", { class: "field__error", "data-error-for": field });
  const form = h("form", { class: "form form__section form--narrow", novalidate: true },
    h("label", { class: "field" }, h("span", { class: "field__label" }, "Slug"), slug,
      h("span", { class: "field__hint" }, "Lower-case letters, digits and dashes; it appears in API paths."),
      errorFor("slug")),
    h("label", { class: "field" }, h("span", { class: "field__label" }, "Name"), name, errorFor("name")),
    h("div", { class: "form__actions" }, h("span", { class: "spacer" }),
      h("a", { class: "btn btn--ghost", href: "#/schedules" }, "Cancel"), submit));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const el of form.querySelectorAll("[data-error-for]")) el.textContent = "";
    busy(submit, async () => {
      try {
        const created = await workspaces.create({ slug: slug.value.trim(), name: name.value.trim() });
        ctx.notify(`Created workspace “${created.name || created.slug}”.`);
        ctx.switchWorkspace(created.slug || created.id);
      } catch (error) {
        if (error instanceof ApiError && error.status === 400) {
          for (const [field, msg] of error.fieldErrors()) {
            const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
            if (slot) slot.textContent = msg;
          }
        }
        ctx.fail(error);
      }
    });
  });

  fill(ctx.root,
    h("div", { class: "page-head" }, h("h1", null, "New workspace")),
    h("p", { class: "muted" }, "You become the workspace's admin and can then invite members and create API keys."),
    form);
  slug.focus();
  return {};
}
