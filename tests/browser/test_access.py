"""Signing in and administering a workspace in the browser: password and API key sign-in (wrong ones
refused, a reload resumes, sign-out ends it), API keys, members, the audit log by name, workspaces."""

from __future__ import annotations

import re
from typing import Any

import httpx
from tests.acceptance.conftest import API_KEY, KairosProcess
from tests.browser.conftest import EMAIL, PASSWORD, add_account
from tests.browser.tab import Tab


def test_sign_in_by_password_resumes_on_reload_and_signs_out(fresh: Tab) -> None:
    page = fresh.page
    page.goto(f"{fresh.base_url}/dashboard")
    fresh.check("sign-in")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Wrong email or password.").wait_for()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=re.compile("^Schedules")).wait_for()
    assert page.get_by_text(EMAIL).is_visible()
    page.reload()
    page.get_by_role("heading", name=re.compile("^Schedules")).wait_for()
    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.evaluate("() => fetch('/api/v1/auth/session').then((r) => r.status)") == 401


def test_sign_in_with_an_api_key(fresh: Tab) -> None:
    page = fresh.page
    page.goto(f"{fresh.base_url}/dashboard")
    page.get_by_role("button", name="Use an API key instead").click()
    page.get_by_label("API key").fill("kr_not_a_key_at_all_0000000000")
    page.get_by_role("button", name="Use this key").click()
    page.locator(".field__error:not(:empty), .note, .banner:not([hidden])").first.wait_for()
    page.get_by_label("API key").fill(API_KEY)
    page.get_by_role("button", name="Use this key").click()
    page.get_by_role("heading", name=re.compile("^Schedules")).wait_for()
    assert page.get_by_role("link", name="API keys").is_visible(), "an admin key sees the admin pages"


SAVED = "() => [sessionStorage.getItem('kairos.dashboard.session'), localStorage.getItem('kairos.dashboard.session')]"


def test_an_api_key_stays_with_its_tab_unless_remembered(fresh: Tab) -> None:
    page = fresh.page
    fresh.sign_in_with_key(API_KEY)
    in_tab, in_browser = page.evaluate(SAVED)
    assert API_KEY in (in_tab or "") and API_KEY not in (in_browser or ""), (in_tab, in_browser)
    page.reload()
    page.get_by_role("heading", name=re.compile("^Schedules")).wait_for()  # a reload keeps the tab's key
    # Another tab (as after a browser restart) has no key: it asks to sign in.
    other = page.context.new_page()
    other.goto(f"{fresh.base_url}/dashboard")
    other.get_by_role("button", name="Sign in").wait_for()
    other.close()

    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Use an API key instead").click()
    page.get_by_label("API key").fill(API_KEY)
    page.get_by_label("Remember me on this browser").check()
    fresh.check("sign-in-key-remember")
    page.get_by_role("button", name="Use this key").click()
    page.get_by_role("heading", name=re.compile("^Schedules")).wait_for()
    in_tab, in_browser = page.evaluate(SAVED)
    assert API_KEY in (in_browser or "") and not in_tab, (in_tab, in_browser)
    other = page.context.new_page()
    other.goto(f"{fresh.base_url}/dashboard")
    other.get_by_role("heading", name=re.compile("^Schedules")).wait_for()
    other.close()
    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.evaluate(SAVED) == [None, None], "signing out forgets the key everywhere"


def test_an_api_key_is_made_shown_once_and_revoked(desktop: Tab, api: httpx.Client) -> None:
    page = desktop.go("/keys")
    page.get_by_label("Name").fill("browser ci key")
    page.get_by_label("Role").select_option("viewer")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_label(re.compile("The secret of"))
    secret.wait_for()
    value = secret.input_value()
    assert value.startswith("kr_")
    assert "keeps only a hash" in page.locator(".secret__warning").inner_text()
    desktop.check("keys-secret")
    row = page.locator("tr", has_text="browser ci key")
    row.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke key").click()
    row.locator(".badge", has_text="revoked").wait_for()
    refused = httpx.get(f"{str(api.base_url).rstrip('/')}/schedules", headers={"X-API-Key": value}, timeout=10)
    assert refused.status_code == 401


def test_members_are_added_given_a_role_and_removed(desktop: Tab, server: KairosProcess) -> None:
    add_account(server, "grace@example.com", "another long password")
    page = desktop.go("/members")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Role", exact=True).first.select_option("operator")
    page.get_by_role("button", name="Add member").click()
    row = page.locator("tr", has_text="grace@example.com")
    row.wait_for()
    row.get_by_role("combobox").select_option("viewer")
    page.get_by_text(re.compile("grace@example.com.*viewer|viewer.*grace")).first.wait_for()
    desktop.check("members")
    row.get_by_role("button", name="Remove").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove member").click()
    row.wait_for(state="detached")


def test_the_audit_log_names_what_was_changed(desktop: Tab, api: httpx.Client) -> None:
    made = api.post("/schedules", json={"name": "audited one", "interval_seconds": 3600, "task": "kairos.echo",
                                        "enabled": False}).json()
    api.post(f"/schedules/{made['id']}/pause")
    page = desktop.go("/audit")
    page.locator("tr", has_text="schedule.pause").first.get_by_role("link", name="audited one").wait_for()
    desktop.check("audit")


def test_a_workspace_is_created_opened_and_left(desktop: Tab, api: httpx.Client) -> None:
    api.post("/schedules", json={"name": "stays in default", "interval_seconds": 3600, "task": "kairos.echo",
                                 "enabled": False}).raise_for_status()
    page = desktop.go("/schedules")
    page.get_by_label("Workspace").select_option("__new__")
    page.get_by_role("heading", name="New workspace").wait_for()
    page.get_by_label("Slug").fill("team-b")
    page.get_by_label("Name").fill("Team B")
    page.get_by_role("button", name="Create workspace").click()
    try:
        page.wait_for_function("() => document.querySelector('select[aria-label=Workspace]').value === 'team-b'")
        page.get_by_text("No schedules yet.").wait_for()
        assert "Team B (team-b) · admin" in page.get_by_label("Workspace").inner_text()
    finally:
        # The desktop tab is shared: later tests expect the default workspace, pass or fail.
        page.get_by_label("Workspace").select_option("default")
    page.wait_for_function("() => document.querySelector('select[aria-label=Workspace]').value === 'default'")
    # The default workspace's list is reloaded from the API: its schedule is back, team-b's empty state gone.
    page.locator(".table--schedules").get_by_text("stays in default").wait_for()
    assert page.get_by_text("No schedules yet.").count() == 0


ACTIONS = re.compile(r"^(Run now|Pause|Resume|Enable|Disable|Edit|Delete|Cancel|Retry now|Regenerate webhook secret"
                     r"|Test connection|Show diff|Import|Resync|Add link|Create)")


def acting_controls(page: Any) -> list[str]:
    """The buttons and button-looking links in the view that would change something."""
    texts = page.locator("#view").locator("button, a.btn").all_inner_texts()
    return [t.strip() for t in texts if ACTIONS.match(t.strip())]


def test_a_viewer_sees_no_button_it_cannot_use(fresh: Tab, api: httpx.Client, site: Any) -> None:
    schedule = api.post("/schedules", json={
        "name": "viewer looks", "interval_seconds": 3600, "task": "kairos.sleep", "kwargs": {"seconds": 30},
        "webhook_url": site.url("/viewer-hook"), "enabled": True}).json()
    running = api.post(f"/schedules/{schedule['id']}/trigger").json()
    api.post(f"/schedules/{schedule['id']}/pause").raise_for_status()
    api.post("/scheduler-links", json={"name": "viewer link", "type": "celery-beat",
                                       "source": {"kind": "json", "beat_schedule": {}}}).raise_for_status()
    key = api.post("/api-keys", json={"name": "read only", "role": "viewer"}).json()["secret"]
    try:
        fresh.sign_in_with_key(key)
        page = fresh.page
        assert page.get_by_role("link", name="New schedule").count() == 0
        assert page.get_by_role("link", name="API keys").is_hidden()

        page = fresh.go("/schedules?q=viewer looks")
        page.locator("tbody tr", has_text="viewer looks").wait_for()
        assert acting_controls(page) == [], "no row actions (Run now, Pause, Edit, Delete)"
        page = fresh.go(f"/schedules/{schedule['id']}")
        page.get_by_role("heading", name=re.compile("viewer looks")).wait_for()
        page.locator(".card", has_text="Webhook").first.wait_for()
        assert acting_controls(page) == [], "no Run now, Resume, Edit, Delete or Regenerate webhook secret"
        page.get_by_role("tab", name="Deliveries").click()
        page.locator("#panel-deliveries .loading").wait_for(state="hidden")
        assert acting_controls(page) == [], "no Retry now"
        page = fresh.go(f"/jobs/{running['id']}")
        page.get_by_role("heading", name=re.compile("^Job")).wait_for()
        assert acting_controls(page) == [], "no Cancel on a job"
        page = fresh.go("/links")
        page.locator('[data-link="viewer link"]').wait_for()
        assert acting_controls(page) == [], "no link actions, no Add link form"
        assert page.get_by_label("beat_schedule (JSON object)").count() == 0
        fresh.check("viewer-links")

        fresh.go("/keys")
        page.get_by_text("This page needs the admin role.").wait_for()
        fresh.check("viewer-refused")
    finally:
        api.delete(f"/jobs/{running['id']}")
        api.post(f"/schedules/{schedule['id']}/disable")
