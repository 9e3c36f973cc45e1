"""Scheduler links from the browser: a JSON beat_schedule linked through the form, tested, imported,
its schedules marked with their scheduler in the list, a diff (each field before and after) once
the link's schedule changed, and a resync that makes Kairos follow the scheduler."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx
from tests.browser.tab import Tab

BEAT = {
    "nightly": {"task": "reports.nightly", "schedule": {"type": "crontab", "minute": "0", "hour": "3"}},
    "poll": {"task": "feeds.poll", "schedule": 300, "kwargs": {"feed": "news"}},
}
CHANGED = {
    "nightly": {"task": "reports.nightly", "schedule": {"type": "crontab", "minute": "30", "hour": "4"}},
    "cleanup": {"task": "files.cleanup", "schedule": 3600},
}


def card(page: Any, name: str) -> Any:
    return page.locator(f'[data-link="{name}"]')


def test_a_beat_schedule_is_linked_imported_diffed_and_resynced(desktop: Tab, api: httpx.Client) -> None:
    page = desktop.go("/links")
    page.get_by_label("Name", exact=True).fill("browser beat")
    page.get_by_label("beat_schedule (JSON object)").fill(json.dumps(BEAT))
    page.get_by_role("button", name="Add link").click()
    link = card(page, "browser beat")
    link.wait_for()
    link_id = next(item["id"] for item in api.get("/scheduler-links").json()["items"] if item["name"] == "browser beat")

    link.get_by_role("button", name="Test connection").click()
    link.locator(".link-output", has_text="Reachable: 2 entries").wait_for()
    link.get_by_role("button", name="Import").click()
    card(page, "browser beat").locator(".link-output", has_text="Imported.").wait_for()
    desktop.check("links-imported")
    imported = api.get("/schedules", params={"link_id": link_id}).json()["items"]
    assert sorted(s["task"] for s in imported) == ["feeds.poll", "reports.nightly"]

    page = desktop.go(f"/schedules?link_id={link_id}")
    page.locator("tbody tr").nth(1).wait_for()
    assert page.locator("tbody tr .linked", has_text="celery-beat").count() == 2, "linked schedules say whose they are"
    # An uploaded beat_schedule cannot be written back: each row offers only Run now (the server
    # answers 409 to the rest), and says why.
    for row in page.locator("tbody tr").all():
        assert row.get_by_role("button").all_inner_texts() == ["Run now"], row.inner_text()
        assert row.get_by_text("Read-only").is_visible()
    page = desktop.go(f"/schedules/{imported[0]['id']}")
    head = page.locator(".detail-head")
    head.get_by_role("button", name="Run now").wait_for()
    assert head.get_by_role("button").all_inner_texts() == ["Run now"]
    assert head.get_by_role("link", name="Edit").count() == 0
    reason = api.get(f"/scheduler-links/{link_id}").json()["read_only_reason"]
    assert reason and head.get_by_text(f"Read-only: {reason}").is_visible()
    assert reason in (head.get_by_role("button", name="Run now").get_attribute("title") or "")

    # The scheduler's side changes: one entry moves, one goes, one arrives.
    assert api.patch(f"/scheduler-links/{link_id}",
                     json={"source": {"kind": "json", "beat_schedule": CHANGED}}).status_code == 200
    page = desktop.go("/links")
    card(page, "browser beat").get_by_role("button", name="Show diff").click()
    diff = card(page, "browser beat").locator(".link-diff")
    diff.wait_for()
    assert "1 added · 1 removed · 1 changed" in diff.locator("p").first.inner_text()
    changed = diff.locator("tr", has=page.locator(".diff-before"))
    assert changed.count() >= 1
    cells = " ".join(changed.all_inner_texts())
    assert "0 3 * * *" in cells and "30 4 * * *" in cells, cells  # the cron before and after
    desktop.check("links-diff")

    link = card(page, "browser beat")
    link.get_by_label("Resync direction for browser beat").select_option("from_scheduler")
    # Resync deletes Kairos's copies the scheduler dropped: it asks first, with the diff's counts.
    link.get_by_role("button", name="Resync").click()
    dialog = page.get_by_role("dialog")
    assert "1 added · 1 removed · 1 changed" in dialog.inner_text(), dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    assert sorted(s["task"] for s in api.get("/schedules", params={"link_id": link_id}).json()["items"]) == \
        ["feeds.poll", "reports.nightly"], "a cancelled resync changes nothing"
    link.get_by_role("button", name="Resync").click()
    page.get_by_role("dialog").get_by_role("button", name="Resync").click()
    card(page, "browser beat").locator(".link-output", has_text="Resynced (from_scheduler).").wait_for()
    after = api.get("/schedules", params={"link_id": link_id}).json()["items"]
    assert sorted(s["task"] for s in after) == ["files.cleanup", "reports.nightly"]
    assert [s["cron_expression"] for s in after if s["task"] == "reports.nightly"] == ["30 4 * * *"]
    # A JSON upload is read-only: the scheduler cannot be made to follow Kairos.
    option = card(page, "browser beat").locator('option[value="to_scheduler"]')
    assert option.is_disabled()


def test_a_broker_that_refuses_says_why(desktop: Tab, api: httpx.Client) -> None:
    with socket.socket() as sock:  # a port nothing listens on once this closes
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    made = api.post("/scheduler-links", json={
        "name": "browser dead broker", "type": "celery-beat", "broker_url": f"redis://127.0.0.1:{port}/0",
        "source": {"kind": "json", "beat_schedule": BEAT}})
    assert made.status_code == 201, made.text
    page = desktop.go("/links")
    card(page, "browser dead broker").get_by_role("button", name="Test connection").click()
    output = card(page, "browser dead broker").locator(".link-output p")
    output.wait_for()
    text = output.inner_text()
    assert text.startswith("Not reachable: ") and "undefined" not in text and "Connection" in text, text
