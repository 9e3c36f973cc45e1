"""A page watched for changes, from the browser: a strategy tried in its Test panel (Enter runs it),
a scrape schedule run twice, the change feed diffed item by item and kept after "Mark seen", the
deliveries with "Retry now" and their payloads, and a strategy in use that cannot be deleted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.acceptance.conftest import finished_job
from tests.browser.tab import Tab
from tests.integration.webhook_receivers import ScriptedReceiver, wait_until
from tests.local_site import html

V1 = """<html><body>
<article class="post"><h2><a href="/a">Alpha</a></h2><span class="price">3</span></article>
<article class="post"><h2><a href="/b">Beta</a></h2><span class="price">5</span></article>
</body></html>"""
V2 = """<html><body>
<article class="post"><h2><a href="/a">Alpha</a></h2><span class="price">4</span></article>
<article class="post"><h2><a href="/c">Gamma</a></h2><span class="price">7</span></article>
</body></html>"""


@pytest.fixture(scope="module")
def receiver() -> Iterator[ScriptedReceiver]:
    # Each run's first delivery attempt fails: the delivery waits for its backoff (30 s).
    with ScriptedReceiver([500, 500]) as hooks:
        yield hooks


def run_now(page: Any, api: httpx.Client, schedule_id: str) -> dict[str, Any]:
    before = {j["id"] for j in api.get("/jobs", params={"schedule_id": schedule_id}).json()["items"]}
    page.get_by_role("button", name="Run now").click()
    job_id = wait_until(lambda: ({j["id"] for j in api.get("/jobs", params={"schedule_id": schedule_id})
                                  .json()["items"]} - before or None), what="the run to start").pop()
    return finished_job(api, job_id, timeout=20)


def test_a_watched_page_from_strategy_to_changes_and_deliveries(
        desktop: Tab, api: httpx.Client, site: Any, receiver: ScriptedReceiver) -> None:
    url = site.route("/posts", html(V1))
    page = desktop.go("/strategies/new")
    page.get_by_label("Name", exact=True).fill("Posts")
    page.get_by_label("Item selector").fill("article.post")
    page.get_by_label("Field name").first.fill("link")
    page.get_by_label("Selector", exact=True).first.fill("h2 a")
    page.get_by_label("Attribute").first.fill("href")
    page.get_by_role("button", name="+ Add field").click()
    page.get_by_label("Field name").nth(1).fill("price")
    page.get_by_label("Selector", exact=True).nth(1).fill(".price::text")
    test_url = page.get_by_role("textbox", name="URL", exact=True)
    test_url.fill(url)
    test_url.press("Enter")
    page.locator(".test__output > *").first.wait_for()
    assert "2 items" in page.locator(".test__output").inner_text(), page.locator(".test__output").inner_text()
    desktop.check("strategy-tested")
    page.get_by_role("button", name="Create strategy").click()
    page.wait_for_url(re.compile(r"#/strategies/strat_"))
    strategy_id = page.url.rsplit("/", 1)[1]

    made = api.post("/schedules", json={"name": "watch posts", "strategy_id": strategy_id, "url": url,
                                        "interval_seconds": 3600, "enabled": False,
                                        "webhook_url": receiver.url})
    assert made.status_code == 201, made.text
    schedule_id = made.json()["id"]
    page = desktop.go(f"/schedules/{schedule_id}")
    page.get_by_role("link", name="Posts", exact=True).first.wait_for()  # the strategy by name, not id
    first = run_now(page, api, schedule_id)
    site.route("/posts", html(V2))
    second = run_now(page, api, schedule_id)
    assert first["status"] == second["status"] == "completed", (first, second)

    # Pictures of the history: both runs as fires, their durations, their items (both changed).
    page.get_by_role("img", name=re.compile(r"^2 runs, 2 with changes, up to 2 items")).wait_for()
    page.get_by_role("img", name=re.compile(r"^2 fires: 2 run now")).wait_for()
    assert page.locator("figure", has_text="Items per run").locator("rect.chart__bar").count() == 2
    desktop.check("schedule-charts")
    desktop.check("schedule-charts", dark=True)

    # The change feed: newest first, the edited item diffed field by field by its stable key.
    page.get_by_role("tab", name="Changes").click()
    cards = page.locator("article.change")
    cards.nth(1).wait_for()
    newest = cards.first
    assert second["id"][-8:] in newest.locator("header").inner_text()
    newest.get_by_text("matched by link").wait_for()
    diff = newest.locator(".table--diff tbody tr").all_inner_texts()
    assert diff == ["price\t3\t4"], diff
    assert "Gamma" not in newest.locator(".change__items--changed").inner_text()
    assert "/c" in newest.locator(".change__items--added").inner_text()
    assert "/b" in newest.locator(".change__items--removed").inner_text()
    desktop.check("changes-unseen")

    page.get_by_role("button", name="Mark seen").click()
    page.get_by_text("No unseen changes.").wait_for()
    page.get_by_role("radio", name="History, seen too").check()
    page.locator("article.change").nth(1).wait_for()
    assert page.locator("article.change .badge", has_text="seen").count() == 2
    desktop.check("changes-history")

    # Deliveries: each first attempt failed, so each waits for its retry; "Retry now" sends it now.
    page.get_by_role("tab", name="Deliveries").click()
    rows = page.locator("#panel-deliveries tbody tr")
    rows.nth(1).wait_for()
    wait_until(lambda: receiver.count() >= 2, timeout=20, what="both first attempts")
    page.locator("#panel-deliveries tbody tr", has_text="HTTP 500").first.wait_for(timeout=15000)
    newest_row = rows.first
    newest_row.locator("summary").click()
    assert second["id"] in newest_row.locator("pre").last.inner_text(), "the payload sent is shown"
    newest_row.get_by_role("button", name="Retry now").click()
    newest_row.locator(".badge", has_text="delivered").wait_for(timeout=15000)
    # Three attempts at least: a slow run may also reach the older delivery's own retry (30 s).
    assert receiver.count() >= 3
    desktop.check("deliveries")

    # The strategy is in use: deleting it is refused, and the refusal is shown where one looks.
    page = desktop.go(f"/strategies/{strategy_id}")
    page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    assert "fail to run" not in dialog.inner_text()
    dialog.get_by_role("button", name="Delete strategy").click()
    refusal = page.get_by_text(re.compile("^Not deleted:"))
    refusal.wait_for()
    assert refusal.is_visible()
    refusal.get_by_role("link", name="watch posts").wait_for()  # the schedule in the way, by name
    box = refusal.bounding_box()
    assert box is not None and 0 <= box["y"] <= 800, "the refusal is in view"
    assert api.get(f"/strategies/{strategy_id}").status_code == 200


def test_the_strategy_picker_lists_strategies_past_one_page(desktop: Tab, api: httpx.Client) -> None:
    made = []
    try:
        for index in range(201):  # the API answers at most 200 a page
            answer = api.post("/strategies", json={"name": f"picker {index:03}", "type": "json", "item": "[*]"})
            assert answer.status_code == 201, answer.text
            made.append(answer.json()["id"])
        page = desktop.go("/schedules/new")
        page.get_by_role("radio", name="Scrape").check()
        picker = page.locator("select[data-field=strategy_id]")
        page.wait_for_function("() => document.querySelectorAll('select[data-field=strategy_id] option').length > 201")
        names = picker.locator("option").all_inner_texts()
        assert {f"picker {i:03} (json)" for i in range(201)} <= set(names), len(names)
    finally:
        for strategy_id in made:
            api.delete(f"/strategies/{strategy_id}")
