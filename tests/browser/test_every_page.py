"""Every page of the dashboard, at 1280x800 and 390x844, light and dark: axe-core finds nothing
serious or critical, nothing scrolls sideways, and a screenshot of each is kept."""

from __future__ import annotations

import json

import pytest
from tests.browser.tab import ARTIFACTS, Tab

PAGES = ["/schedules", "/schedules/new", "/jobs", "/strategies", "/strategies/new", "/keys", "/members",
         "/audit", "/workspaces/new", "/reddit", "/links"]


@pytest.mark.parametrize("route", PAGES)
def test_the_page_is_accessible_and_fits_both_screens(desktop: Tab, phone: Tab, route: str) -> None:
    slug = route.strip("/").replace("/", "-")
    sizes = {}
    for tab in (desktop, phone):
        tab.go(route)
        tab.check(slug)
        sizes[tab.name] = tab.size()
    desktop.check(slug, dark=True)
    record = ARTIFACTS / "sizes.json"
    known = json.loads(record.read_text()) if record.exists() else {}
    known[route] = sizes
    record.write_text(json.dumps(known, indent=2))
