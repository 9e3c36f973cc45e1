// Signing in: email and password (a cookie session with a CSRF token), or an API key as the
// alternative; resuming a session on load; signing out.

import { ApiError, auth, schedules, session } from "./api.js";
import { busy, fill, h } from "./dom.js";

/** The workspace to open: the one used last when still reachable, else the first. */
export function pickWorkspace(list, preferred) {
  const items = Array.isArray(list) ? list : [];
  const found = items.find((w) => w.slug === preferred || w.id === preferred);
  if (found) return found.slug || found.id;
  return items.length ? items[0].slug || items[0].id : null;
}

/** Resume a cookie session (`GET /auth/session`); false when there is none. */
export async function resumeCookieSession(preferredWorkspace) {
  try {
    const answer = await auth.session();
    session.useCookie(answer, pickWorkspace(answer.workspaces, preferredWorkspace));
    return true;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 404)) return false;
    throw error;
  }
}

/** End the session: the server forgets a cookie session; a key is simply dropped from this browser. */
export async function endSession() {
  const wasCookie = session.current && session.current.mode === "cookie";
  try {
    if (wasCookie) await auth.logout();
  } catch {
    // Already expired on the server: signing out here is all that is left to do.
  } finally {
    session.clear();
  }
}

function errorSlot(name) {
  return h("span", { class: "field__error", "data-error-for": name });
}

function showError(form, name, message) {
  const slot = form.querySelector(`[data-error-for="${name}"]`);
  if (slot) slot.textContent = message;
}

/** Disable `button` for `seconds`, counting down on it, after a 429. */
function waitOut(button, seconds, label) {
  let left = seconds;
  button.disabled = true;
  const tick = () => {
    if (left <= 0) {
      button.disabled = false;
      button.textContent = label;
      return;
    }
    button.textContent = `Wait ${left} s`;
    left -= 1;
    setTimeout(tick, 1000);
  };
  tick();
}

function throttled(error) {
  const wait = error.retryAfter;
  return wait ? `Too many attempts. Try again in ${wait} seconds.` : "Too many attempts. Try again in a moment.";
}

/** The sign-in screen, rendered into `root`; `onSignedIn()` runs once a session is in place. */
export function signInScreen(root, { onSignedIn, message = "", preferredWorkspace = "default" }) {
  document.title = "Sign in · Kairos";
  const email = h("input", { name: "email", type: "email", autocomplete: "username", required: true,
    placeholder: "you@example.com", spellcheck: "false" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const signInButton = h("button", { class: "btn btn--primary", type: "submit" }, "Sign in");
  const withPassword = h("form", { class: "signin__form", novalidate: true, "data-form": "password" },
    h("label", { class: "field" }, h("span", { class: "field__label" }, "Email"), email, errorSlot("email")),
    h("label", { class: "field" }, h("span", { class: "field__label" }, "Password"), password, errorSlot("password")),
    errorSlot("form"),
    signInButton);

  const apiKey = h("input", { name: "api_key", type: "password", placeholder: "kr_…", autocomplete: "off",
    spellcheck: "false", required: true });
  const workspace = h("input", { name: "workspace", type: "text", value: preferredWorkspace || "default",
    autocomplete: "off", spellcheck: "false", required: true });
  const remember = h("input", { name: "remember", type: "checkbox" });
  const keyButton = h("button", { class: "btn btn--primary", type: "submit" }, "Use this key");
  const withKey = h("form", { class: "signin__form", novalidate: true, hidden: true, "data-form": "key" },
    h("label", { class: "field" }, h("span", { class: "field__label" }, "API key"), apiKey,
      h("span", { class: "field__hint" }, "Kept for this tab until it is closed, or until you sign out."),
      errorSlot("api_key")),
    h("label", { class: "field" }, h("span", { class: "field__label" }, "Workspace"), workspace, errorSlot("workspace")),
    h("label", { class: "check" }, remember, " Remember me on this browser"),
    h("p", { class: "muted small" }, "Only on a computer of your own: the key is then kept in this browser's " +
      "storage, for every tab and after a restart, until you sign out."),
    keyButton);

  const toggle = h("button", { type: "button", class: "linkish" }, "Use an API key instead");
  toggle.addEventListener("click", () => {
    withKey.hidden = !withKey.hidden;
    withPassword.hidden = !withKey.hidden;
    toggle.textContent = withKey.hidden ? "Use an API key instead" : "Sign in with email and password";
    (withKey.hidden ? email : apiKey).focus();
  });

  withPassword.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const el of withPassword.querySelectorAll("[data-error-for]")) el.textContent = "";
    if (!email.value.trim()) return showError(withPassword, "email", "Enter your email address.");
    if (!password.value) return showError(withPassword, "password", "Enter your password.");
    return busy(signInButton, async () => {
      try {
        const answer = await auth.login({ email: email.value.trim(), password: password.value });
        password.value = "";
        session.useCookie(answer, pickWorkspace(answer.workspaces, preferredWorkspace));
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status === 401) showError(withPassword, "form", "Wrong email or password.");
        else if (error.status === 429) showError(withPassword, "form", throttled(error));
        else showError(withPassword, "form", error.detail);
        if (error.status === 429 && error.retryAfter) setTimeout(() => waitOut(signInButton, error.retryAfter, "Sign in"));
        return;
      }
      onSignedIn();
    });
  });

  withKey.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const el of withKey.querySelectorAll("[data-error-for]")) el.textContent = "";
    const key = apiKey.value.trim();
    const slug = workspace.value.trim() || "default";
    if (!key) return showError(withKey, "api_key", "Paste an API key (kr_…).");
    return busy(keyButton, async () => {
      session.useKey(key, slug, { remember: remember.checked });
      try {
        await schedules.list({ limit: 1 });
      } catch (error) {
        session.clear();
        if (!(error instanceof ApiError)) throw error;
        if (error.status === 401) showError(withKey, "api_key", "This key was not accepted.");
        else if (error.status === 404) showError(withKey, "workspace", "No such workspace for this key.");
        else if (error.status === 429) showError(withKey, "api_key", throttled(error));
        else showError(withKey, "api_key", error.detail);
        return;
      }
      apiKey.value = "";
      onSignedIn();
    });
  });

  fill(root, h("div", { class: "signin-page" },
    h("section", { class: "card signin" },
      h("h1", null, "Sign in to Kairos"),
      message ? h("p", { class: "note" }, message) : null,
      withPassword,
      withKey,
      h("p", { class: "signin__alt" }, toggle)),
    h("p", { class: "muted small signin__help" }, "On its first start the server prints an admin API key for the " +
      "workspace “default” (or uses KAIROS_BOOTSTRAP_API_KEY).")));
  email.focus();
}
