// The members page (admin): who belongs to this workspace with which role; inviting by email,
// changing a role, removing someone. The server refuses (409) to leave a workspace without an admin.

import { itemsOf, ROLES } from "./access.js";
import { ApiError, members, session } from "./api.js";
import { busy, fill, h, select } from "./dom.js";
import { card, emptyState, table, when } from "./widgets.js";

/** A 409's message as the server wrote it (e.g. "the last admin cannot be removed"). */
function conflictMessage(error, fallback) {
  return error instanceof ApiError && error.status === 409 ? error.detail || fallback : null;
}

export function membersPage(ctx) {
  ctx.setTitle("Members");
  const list = h("div", { class: "results" }, h("p", { class: "loading" }, "Loading members…"));
  const problem = h("p", { class: "note", role: "alert", hidden: true });
  const email = h("input", { type: "email", required: true, placeholder: "colleague@example.com", autocomplete: "off" });
  const role = select({ "aria-label": "Role" }, ROLES.map((r) => [r, r]), "viewer");
  const error = h("span", { class: "field__error" });
  const submit = h("button", { type: "submit", class: "btn btn--primary" }, "Add member");
  const form = h("form", { class: "row row--end", novalidate: true },
    h("label", { class: "field field--wide" }, h("span", { class: "field__label" }, "Email"), email),
    h("label", { class: "field" }, h("span", { class: "field__label" }, "Role"), role),
    submit);

  const showProblem = (text) => {
    problem.textContent = text || "";
    problem.hidden = !text;
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    if (!email.value.trim()) {
      error.textContent = "Enter the email address of someone with a Kairos account.";
      return;
    }
    busy(submit, async () => {
      try {
        await members.invite({ email: email.value.trim(), role: role.value });
        ctx.notify(`Added ${email.value.trim()} as ${role.value}.`);
        email.value = "";
        ctx.refresh();
      } catch (failure) {
        if (failure instanceof ApiError && [400, 404, 409].includes(failure.status)) {
          error.textContent = [...failure.fieldErrors().values()].join("; ") || failure.detail;
        } else {
          ctx.fail(failure);
        }
      }
    });
  });

  const roleSelect = (member) => select({
    "aria-label": `Role of ${member.email}`,
    onchange: async (event) => {
      const picker = event.target;
      picker.disabled = true;
      showProblem("");
      try {
        await members.setRole(member.user_id, picker.value);
        ctx.notify(`${member.email} is now ${picker.value}.`);
      } catch (failure) {
        picker.value = member.role;
        const conflict = conflictMessage(failure, "The workspace needs at least one admin.");
        if (conflict) showProblem(conflict);
        else ctx.fail(failure);
      } finally {
        picker.disabled = false;
        ctx.refresh();
      }
    },
  }, ROLES.map((r) => [r, r]), member.role);

  const removeButton = (member) => h("button", {
    type: "button", class: "btn btn--small btn--danger-soft",
    onclick: async (event) => {
      const button = event.currentTarget;
      const self = session.me && session.me.type === "user" && session.me.id === member.user_id;
      const sure = await ctx.confirm({
        title: `Remove ${member.email}?`,
        body: self ? "This is you: you lose access to this workspace at once."
          : "They lose access to this workspace at once. Their account stays.",
        confirmLabel: "Remove member",
      });
      if (!sure) return;
      showProblem("");
      await busy(button, async () => {
        try {
          await members.remove(member.user_id);
          ctx.notify(`Removed ${member.email}.`);
          ctx.refresh();
        } catch (failure) {
          const conflict = conflictMessage(failure, "The last admin cannot be removed.");
          if (conflict) showProblem(conflict);
          else ctx.fail(failure);
        }
      });
    },
  }, "Remove");

  fill(ctx.root,
    h("div", { class: "page-head" }, h("h1", null, "Members")),
    card("Add a member", form, error),
    problem,
    list);

  async function refresh() {
    const people = itemsOf(await members.list({ limit: 200 }));
    if (!people.length) {
      fill(list, emptyState("No members yet.", "Only API keys reach this workspace so far."));
      return {};
    }
    fill(list, table(["Email", "Role", "Member since", ""], people.map((member) => [
      member.email, roleSelect(member), when(member.created_at), removeButton(member),
    ])));
    return { interval: 30000 };
  }

  return { refresh };
}
