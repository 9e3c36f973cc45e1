"""A reddit schedule made through the New schedule form: every reddit field reaches the API as
typed (no Reddit is reachable here, so only its creation and the stored body are checked)."""

from __future__ import annotations

import re

import httpx
from tests.browser.tab import Tab


def test_a_reddit_schedule_is_created_from_the_form(desktop: Tab, api: httpx.Client) -> None:
    page = desktop.go("/schedules/new")
    page.get_by_label("Name", exact=True).fill("browser reddit")
    page.get_by_label("Cron expression").fill("0 */6 * * *")
    page.get_by_role("radio", name="Reddit").check()
    page.get_by_label("Subreddit or user").fill("r/python")
    page.get_by_label("Target type").select_option("subreddit")
    page.get_by_label("Mode").select_option("monitor")
    page.get_by_label("Posts per run").fill("25")
    page.get_by_label("Download media (images, galleries, video)").uncheck()
    page.get_by_label("Config (JSON object)").fill('{"keywords": ["asyncio"], "max_more_requests": 4}')
    page.get_by_label("Plugins").fill("keyword_tags")
    page.get_by_label("Enabled: start firing at once").uncheck()  # nothing should try to reach Reddit
    desktop.check("schedule-new-reddit")
    page.get_by_role("button", name="Create schedule").click()
    page.get_by_role("heading", name=re.compile("browser reddit")).wait_for()
    stored = api.get("/schedules", params={"q": "browser reddit"}).json()["items"]
    assert len(stored) == 1
    s = stored[0]
    assert (s["kind"], s["target"], s["target_type"], s["mode"], s["limit"]) == \
        ("reddit", "python", "subreddit", "monitor", 25)
    assert (s["download_media"], s["scrape_comments"]) == (False, True)
    assert s["plugins"] == ["keyword_tags"]
    assert s["config"]["keywords"] == ["asyncio"] and s["config"]["max_more_requests"] == 4
    assert s["enabled"] is False
