"""Making and changing schedules in the browser: every trigger type with its live preview, an edit
reviewed before it is saved (history and webhook secret kept), a compact form, readable times."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from tests.acceptance.conftest import KairosProcess
from tests.browser.conftest import EMAIL, PASSWORD, open_tab
from tests.browser.tab import PHONE, Tab
from tests.local_site import Answer

VIEWER_ZONE = ZoneInfo("Europe/Berlin")  # the browser contexts' timezone_id


def berlin_zone_name(instant: datetime) -> str:
    """What the page calls the viewer's zone at `instant`: CET in winter, CEST in summer."""
    return instant.astimezone(VIEWER_ZONE).tzname() or ""


def gmt_offset(instant: datetime, zone: str) -> str:
    """Intl's en-GB short name for a zone without an abbreviation: "GMT-5", "GMT-4"."""
    offset = instant.astimezone(ZoneInfo(zone)).utcoffset()
    assert offset is not None
    hours = int(offset.total_seconds() // 3600)
    return f"GMT{hours:+d}"


def upcoming_instants(page: Any) -> list[datetime]:
    return [datetime.fromisoformat(iso.replace("Z", "+00:00")) for iso in page.locator(
        "aside.preview .upcoming__time, .upcoming .upcoming__time").evaluate_all(
        "(els) => els.map((el) => el.getAttribute('datetime'))")]


def preview_items(page: Any) -> list[str]:
    page.locator("aside.preview .upcoming li").first.wait_for()
    return [t.strip() for t in page.locator("aside.preview .upcoming__time").all_inner_texts()]


def test_each_trigger_type_previews_as_it_is_typed_and_creates(desktop: Tab, api: httpx.Client) -> None:
    page = desktop.go("/schedules/new")
    page.get_by_label("Cron expression").fill("0 9 * * MON-FRI")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.locator(".preview__description", has_text="Monday through Friday").wait_for()
    times = preview_items(page)
    instants = upcoming_instants(page)
    assert len(times) == 5 and len(instants) == 5, times
    for shown, instant in zip(times, instants, strict=True):  # the viewer's zone, named
        assert shown.endswith(" " + berlin_zone_name(instant)), (shown, instant)
    own = page.locator("aside.preview .upcoming li").first.inner_text()
    expected = f"09:00 {gmt_offset(instants[0], 'America/New_York')} (America/New_York)"
    assert expected in own, f"the schedule's own zone is shown beside the viewer's: {own!r}, not {expected!r}"

    page.get_by_role("radio", name="Interval").check()
    page.locator("[data-field=interval_seconds]").fill("5")
    page.get_by_label("Unit").first.select_option("1")
    page.locator(".preview__description", has_text="Every 5 seconds").wait_for()
    times = preview_items(page)
    assert len(set(times)) == 5, f"a 5 s interval needs seconds to tell its fires apart: {times}"
    described = page.locator(".preview__description").inner_text()
    # Counted from now; seconds either side of a clock change are not worth a flaky test.
    zone = berlin_zone_name(datetime.now(VIEWER_ZONE))
    assert re.search(rf"counted from \d+ \w{{3}} \d{{4}}, \d\d:\d\d(:\d\d)? {zone}$", described), (described, zone)
    assert not re.search(r"\d{4}-\d\d-\d\dT", page.locator(".preview__description").inner_text()), \
        "no raw UTC string beside local times"

    page.get_by_role("radio", name="Once").check()
    page.locator("[data-field=run_at]").fill("2031-06-01T10:30:00")
    page.locator(".preview__description", has_text="Once").wait_for()
    assert preview_items(page) == ["1 Jun 2031, 10:30 CEST"]

    page.get_by_role("radio", name="Delayed").check()
    page.locator("[data-field=delay_seconds]").fill("2")
    page.locator(".preview__description", has_text="after creation").wait_for()
    assert page.locator(".preview__description").inner_text() == "Once, 2 h after creation"  # not "2:00:00"

    page.get_by_role("radio", name="Interval").check()
    page.get_by_label("Name", exact=True).fill("browser interval")
    page.locator("[data-field=task]").fill("kairos.sleep")
    page.get_by_label("Keyword arguments (JSON object)").fill('{"seconds": 0}')
    # Made switched off: a 5 s schedule left firing would fill the shared server with jobs for
    # every later test, and more so when this test fails half way.
    page.get_by_label("Enabled: start firing at once").uncheck()
    desktop.check("schedule-new-filled")
    page.get_by_role("button", name="Create schedule").click()
    page.get_by_role("heading", name=re.compile("browser interval")).wait_for()
    created = api.get("/schedules", params={"q": "browser interval"}).json()["items"]
    assert [(s["interval_seconds"], s["enabled"]) for s in created] == [(5, False)]


def test_a_schedule_is_edited_in_its_form_after_a_review_of_what_changes(
        desktop: Tab, api: httpx.Client, site: Any) -> None:
    site.route("/hook-edit", Answer(status=204))
    made = api.post("/schedules", json={
        "name": "nightly report", "cron_expression": "0 3 * * *", "timezone": "Europe/Berlin",
        "task": "kairos.echo", "kwargs": {"x": 1}, "webhook_url": site.url("/hook-edit"), "enabled": False})
    assert made.status_code == 201, made.text
    schedule = made.json()
    fired = api.post(f"/schedules/{schedule['id']}/trigger").json()

    page = desktop.go(f"/schedules/{schedule['id']}")
    page.get_by_role("link", name="Edit").click()
    page.get_by_role("heading", name="Edit “nightly report”").wait_for()
    assert page.get_by_label("Cron expression").input_value() == "0 3 * * *"
    assert page.get_by_label("Webhook URL").input_value() == schedule["webhook_url"]

    page.get_by_label("Name", exact=True).fill("nightly summary")
    page.get_by_label("Cron expression").fill("30 4 * * *")
    page.get_by_label("Keyword arguments (JSON object)").fill('{"x": 2}')
    page.get_by_role("button", name="Review changes").click()
    review = page.get_by_role("region", name="What will change")
    review.wait_for()
    rows = review.locator("tbody tr").all_inner_texts()
    assert any("Name" in r and "nightly report" in r and "nightly summary" in r for r in rows), rows
    assert any("Cron expression" in r and "0 3 * * *" in r and "30 4 * * *" in r for r in rows), rows
    assert any("Keyword arguments" in r for r in rows), rows
    assert not any("Webhook" in r for r in rows), "an untouched field is not listed"
    review.get_by_text("Next fires after saving").wait_for()
    assert "04:30" in review.locator(".review__fires > div").nth(1).inner_text()
    desktop.check("schedule-edit-review")

    review.get_by_role("button", name="Save 3 changes").click()
    page.get_by_role("heading", name=re.compile("nightly summary")).wait_for()
    after = api.get(f"/schedules/{schedule['id']}").json()
    assert after["cron_expression"] == "30 4 * * *" and after["kwargs"] == {"x": 2}
    assert after["webhook_url"] == schedule["webhook_url"]
    assert fired["id"] in [f["job_id"] for f in after["recent_fires"]], "the fire history is kept"
    # The secret is the one made with the schedule (shown once, in the create answer): the edit did
    # not regenerate or drop it, so the next delivery still carries it.
    secret = schedule["webhook_secret"]
    assert secret and not after.get("webhook_secret"), "a read never returns the secret"
    api.post(f"/schedules/{schedule['id']}/trigger").raise_for_status()
    delivered = webhook_headers(site, "/hook-edit", count=2)  # the fire before the edit, and this one
    assert [h.get("x-webhook-secret") for h in delivered] == [secret, secret], delivered


def webhook_headers(site: Any, path: str, *, count: int, timeout: float = 20.0) -> list[dict[str, str]]:
    """The headers (names lower-cased) of the first `count` requests the site got at `path`."""
    deadline = time.monotonic() + timeout
    while True:
        seen = [{k.lower(): v for k, v in headers.items()}
                for headers, (_, at, _) in zip(site.seen_headers, site.seen_bodies, strict=False)
                if at.split("?", 1)[0] == path]
        if len(seen) >= count:
            return seen[:count]
        assert time.monotonic() < deadline, f"{len(seen)} of {count} requests reached {path}"
        time.sleep(0.2)


def test_an_unchanged_form_says_nothing_will_change(desktop: Tab, api: httpx.Client) -> None:
    made = api.post("/schedules", json={"name": "as is", "delay_seconds": 120, "task": "kairos.echo",
                                        "enabled": False}).json()
    page = desktop.go(f"/schedules/{made['id']}")
    page.get_by_text("Once, 2 min after creation").wait_for()  # not "0:02:00"
    page = desktop.go(f"/schedules/{made['id']}/edit")
    page.get_by_role("button", name="Review changes").click()
    page.get_by_text("Nothing: the form is as saved.").wait_for()


def test_the_new_schedule_form_is_compact(desktop: Tab, phone: Tab) -> None:
    page = desktop.go("/schedules/new")
    heights = page.evaluate("() => [...document.querySelectorAll('.field')].filter((f) => f.offsetParent)"
                            ".map((f) => f.getBoundingClientRect().height)")
    assert max(heights) < 130, f"a field should take the height of its control, label and hint: {heights}"
    assert desktop.size()["height"] < 1400, desktop.size()
    phone.go("/schedules/new")
    assert phone.size()["width"] <= 390


def test_the_top_bar_wraps_on_a_phone(phone: Tab, browser: Any, server: KairosProcess) -> None:
    # With a key, and signed in by password (which adds the workspace picker to the bar).
    by_password = open_tab(browser, server, "phone-password", PHONE, is_mobile=True, has_touch=True)
    by_password.sign_in_with_password(EMAIL, PASSWORD)
    try:
        for tab in (phone, by_password):
            page = tab.go("/schedules")
            for name in ("Schedules", "Jobs", "Strategies", "Reddit", "Scheduler links", "API keys", "Members",
                         "Audit log", "Sign out"):
                box = page.get_by_role("link", name=name, exact=True).bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (tab.name, name, box)
            box = page.get_by_label("Show times in").bounding_box()
            assert box is not None and box["x"] + box["width"] <= 390
            assert tab.size()["width"] == 390
            tab.check("top-bar")
        by_password.assert_clean()
    finally:
        by_password.page.context.close()


def test_times_switch_between_local_and_utc(desktop: Tab, api: httpx.Client) -> None:
    made = api.post("/schedules", json={"name": "zones", "cron_expression": "0 12 * * *", "timezone": "UTC",
                                        "task": "kairos.echo", "enabled": False}).json()
    page = desktop.go(f"/schedules/{made['id']}")
    first = page.locator(".upcoming__time").first
    first.wait_for()
    noon = upcoming_instants(page)[0]
    local = noon.astimezone(VIEWER_ZONE)
    assert first.inner_text().endswith(f"{local:%H:%M} {local.tzname()}"), (first.inner_text(), local)
    assert "12:00:00 UTC" in (first.get_attribute("title") or ""), "the exact time in the other zone on hover"
    page.get_by_label("Show times in").select_option("utc")
    try:
        page.locator(".upcoming__time").first.wait_for()
        assert page.locator(".upcoming__time").first.inner_text().endswith("12:00 UTC")
    finally:
        # The choice is kept in localStorage: every later test on this tab expects local time.
        page.get_by_label("Show times in").select_option("local")


def test_the_times_switch_keeps_a_half_filled_form(desktop: Tab) -> None:
    page = desktop.go("/schedules/new")
    page.get_by_label("Name", exact=True).fill("half typed")
    page.get_by_role("radio", name="Once").check()
    page.locator("[data-field=run_at]").fill("2031-06-01T10:30:00")
    page.locator(".preview__description", has_text="Once").wait_for()
    page.get_by_label("Show times in").select_option("utc")
    try:
        # The same instant, now written in UTC; nothing typed is lost.
        page.locator("aside.preview .upcoming__time", has_text="08:30 UTC").wait_for()
        assert preview_items(page) == ["1 Jun 2031, 08:30 UTC"]
        assert page.get_by_label("Name", exact=True).input_value() == "half typed"
        assert page.locator("[data-field=run_at]").input_value().startswith("2031-06-01T08:30")
        assert page.get_by_role("radio", name="Once").is_checked()
        assert "in UTC" in page.locator("aside.preview").inner_text()
    finally:
        page.get_by_label("Show times in").select_option("local")
    page.locator("aside.preview .upcoming__time", has_text="10:30 CEST").wait_for()
    assert page.get_by_label("Name", exact=True).input_value() == "half typed"


def test_a_disabled_schedule_has_one_disabled_badge_and_its_own_filter(desktop: Tab, api: httpx.Client) -> None:
    made = api.post("/schedules", json={"name": "switched off one", "interval_seconds": 3600, "task": "kairos.echo",
                                        "enabled": False}).json()
    assert made["status"] == "disabled"
    page = desktop.go("/schedules?q=switched off one")
    row = page.locator("tbody tr", has_text="switched off one")
    row.wait_for()
    assert row.locator(".badge").all_inner_texts().count("disabled") == 1, row.locator(".badge").all_inner_texts()
    page = desktop.go("/schedules")
    page.get_by_label("Status", exact=True).select_option("disabled")
    page.wait_for_function("() => location.hash.includes('status=disabled')")
    page.locator("tbody tr", has_text="switched off one").wait_for()
    # The list is the server's answer to status=disabled: nothing switched on is in it.
    page.wait_for_function("() => [...document.querySelectorAll('.table--schedules tbody tr')]"
                           ".every((tr) => tr.classList.contains('is-off'))")


def test_leaving_a_list_just_after_typing_keeps_the_next_pages_address(desktop: Tab) -> None:
    page = desktop.go("/schedules")
    page.get_by_label("Search schedules").fill("left behind")
    # Within the search's 300 ms wait: the list is left before its query is written.
    page.evaluate("() => { location.hash = '#/jobs'; }")
    page.get_by_role("heading", name=re.compile("^Jobs")).wait_for()
    page.wait_for_timeout(700)
    assert page.evaluate("() => location.hash") == "#/jobs"


def test_a_clock_change_is_noted_beside_the_fire_it_moves(desktop: Tab) -> None:
    page = desktop.go("/schedules/new")
    page.get_by_label("Cron expression").fill("30 2 * * *")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.locator("summary", has_text="More options").click()
    page.get_by_label("Start at").fill("2027-03-26T12:00:00")
    note = page.locator("aside.preview .dst-note")
    note.first.wait_for()
    text = note.first.inner_text()
    assert "Clocks change in Europe/Berlin" in text and "runs at 03:00 local time instead of 02:30" in text, text
