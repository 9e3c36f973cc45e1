"""A job watched live in the browser: its progress bar moves (and is named for a screen reader),
Cancel stops it, and the jobs list names the schedule it came from."""

from __future__ import annotations

import re

import httpx
from tests.acceptance.conftest import finished_job
from tests.browser.tab import Tab


def test_a_running_job_shows_live_progress_and_is_cancelled(desktop: Tab, phone: Tab, api: httpx.Client) -> None:
    made = api.post("/schedules", json={"name": "slow sleeper", "interval_seconds": 3600, "task": "kairos.sleep",
                                        "kwargs": {"seconds": 30}, "enabled": False}).json()
    job = api.post(f"/schedules/{made['id']}/trigger").json()
    page = desktop.go(f"/jobs/{job['id']}")
    bar = page.get_by_role("progressbar", name="Job progress")
    page.wait_for_function("() => Number(document.querySelector('[role=progressbar]')"
                           "?.getAttribute('aria-valuenow')) > 0", timeout=15000)
    first = float(bar.get_attribute("aria-valuenow") or 0)
    page.wait_for_function(f"() => Number(document.querySelector('[role=progressbar]')"
                           f".getAttribute('aria-valuenow')) > {first}", timeout=10000)
    desktop.check("job-running")

    listed = phone.go("/jobs")
    row = listed.locator("tr", has_text="slow sleeper")
    row.get_by_role("progressbar").wait_for()
    assert row.get_by_role("link", name="slow sleeper").is_visible(), "the schedule by name, not id"
    phone.check("jobs-running")
    phone.go("/schedules").get_by_role("img", name=re.compile(r"runs in the last hour")).wait_for()

    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel job").click()
    page.locator(".badge", has_text="cancelled").first.wait_for()
    assert finished_job(api, job["id"])["status"] == "cancelled"
    desktop.check("job-cancelled")
