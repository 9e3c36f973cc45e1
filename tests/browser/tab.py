"""One dashboard page in Chromium: navigation, sign-in, and the checks every screen must pass.

`check(name)` is what each test calls on each screen it reaches: an axe-core scan that fails on
serious or critical violations, a page no wider than its viewport, and a screenshot kept under
tests/browser/artifacts/ (gitignored) with the axe findings beside it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from axe_playwright_python.base import AXE_SCRIPT

ARTIFACTS = Path(__file__).parent / "artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
BLOCKING = {"serious", "critical"}
# Chromium logs every 4xx answer to fetch() as a console error; those are answers the pages handle
# (a wrong password, a refused delete), not script errors. A 5xx is caught by the response hook.
NETWORK_LOG = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")

axe_findings: dict[str, list[dict[str, Any]]] = {}


class Tab:
    def __init__(self, name: str, page: Any, base_url: str) -> None:
        self.name = name
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        page.set_default_timeout(8000)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not NETWORK_LOG.match(message.text):
            self.errors.append(f"console error: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 500:
            self.errors.append(f"{response.status} from {response.request.method} {response.url}")

    def assert_clean(self) -> None:
        errors, self.errors = self.errors, []
        assert not errors, f"{self.name}: " + "\n".join(errors)

    # ---- getting around ----

    def go(self, route: str) -> Any:
        """Open `#<route>` (e.g. "/schedules") in a freshly mounted view and wait for it to draw.

        Setting the hash already shown fires no hashchange, and a hashchange is handled only after
        this call returns: the view on screen is marked stale first and the wait is for a new one,
        so a test never checks the view an earlier test left behind."""
        page = self.page
        if not page.url.startswith(self.base_url + "/dashboard"):
            page.goto(f"{self.base_url}/dashboard#{route}")
        else:
            page.evaluate("""(hash) => {
                const old = document.querySelector('#view > .view');
                if (old) old.dataset.stale = 'true';
                if (location.hash === `#${hash}`) window.dispatchEvent(new HashChangeEvent('hashchange'));
                else location.hash = hash;
            }""", route)
        page.wait_for_function("""() => {
            const view = document.querySelector('#view > .view');
            return Boolean(view) && !view.dataset.stale
                && [...view.querySelectorAll('.loading')].every((el) => !el.offsetParent);
        }""")
        return page

    def sign_in_with_password(self, email: str, password: str) -> None:
        page = self.page
        page.goto(f"{self.base_url}/dashboard")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name=re.compile("^Schedules")).wait_for()

    def sign_in_with_key(self, key: str) -> None:
        page = self.page
        page.goto(f"{self.base_url}/dashboard")
        page.get_by_role("button", name="Use an API key instead").click()
        page.get_by_label("API key").fill(key)
        page.get_by_role("button", name="Use this key").click()
        page.get_by_role("heading", name=re.compile("^Schedules")).wait_for()

    # ---- the checks each screen passes ----

    def check(self, name: str, *, dark: bool = False) -> list[dict[str, Any]]:
        """axe-core (serious/critical fail), no sideways scrolling, a screenshot; returns the findings."""
        page = self.page
        page.emulate_media(color_scheme="dark" if dark else "light")
        # Judge a settled page: nothing still loading (a loading region says aria-busy), transitions done.
        page.wait_for_function("() => !document.querySelector('[aria-busy=true]')", timeout=15_000)
        page.wait_for_timeout(50)
        label = f"{self.name}-{name}{'-dark' if dark else ''}"
        try:
            page.screenshot(path=str(ARTIFACTS / f"{label}.png"), full_page=True)
            if not page.evaluate("() => Boolean(window.axe)"):
                page.evaluate(AXE_SCRIPT)
            # Toasts fade out (half transparent on purpose, for a second) at moments a scan cannot
            # choose; they are text on the inverted page colours, well above any contrast threshold.
            results = page.evaluate("() => axe.run({exclude: [['#toasts']]}, {resultTypes: ['violations']})")
        finally:
            if dark:
                page.emulate_media(color_scheme="light")
        violations = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                       "nodes": [n["html"][:200] for n in v["nodes"][:5]]} for v in results["violations"]]
        axe_findings[label] = violations
        (ARTIFACTS / f"{label}.axe.json").write_text(json.dumps(violations, indent=2))
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        assert not blocking, f"{label}: axe found {json.dumps(blocking, indent=2)}"
        width = page.evaluate("() => document.documentElement.scrollWidth")
        viewport = page.viewport_size["width"]
        assert width <= viewport, f"{label}: the page is {width} px wide in a {viewport} px window"
        return violations

    def size(self) -> dict[str, int]:
        return dict(self.page.evaluate(
            "() => ({width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight})"))
