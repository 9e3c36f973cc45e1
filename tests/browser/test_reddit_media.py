"""A reddit job's media on its page: the media list is asked for once (not on every refresh), a
cookie session shows the server's file URL, an API key session a fetched copy let go on leaving."""

from __future__ import annotations

from typing import Any

import httpx
from tests.acceptance.conftest import finished_job
from tests.browser.tab import Tab
from tests.fake_reddit import FakeReddit

# Whether an object URL still loads, as an image (the page's policy allows blob: images, not fetches).
LOADS = """(url) => new Promise((resolve) => {
    const probe = new Image();
    probe.onload = () => resolve('kept');
    probe.onerror = () => resolve('revoked');
    probe.src = url;
})"""


def test_a_reddit_jobs_media_is_listed_once_and_its_files_let_go(
        desktop: Tab, phone: Tab, api: httpx.Client, fake_reddit: FakeReddit) -> None:
    fake_reddit.corpus.make_post("browserpics", "image")
    made = api.post("/jobs", json={"kind": "reddit", "target": "browserpics", "limit": 5, "download_media": True,
                                   "scrape_comments": False})
    assert made.status_code == 201, made.text
    job = finished_job(api, made.json()["id"], timeout=30)
    assert job["status"] == "completed" and job["media_downloaded"] == 1, job
    media_path = f"/jobs/{job['id']}/media"

    asked: list[str] = []

    def note(request: Any) -> None:
        if request.url.split("?", 1)[0].endswith(media_path):
            asked.append(request.url)

    desktop.page.on("request", note)
    try:
        page = desktop.go(f"/jobs/{job['id']}")
        image = page.locator(".reddit-thumb img").first
        image.wait_for()
        # A cookie rides on an <img src>: the server's own URL, no copy in memory.
        assert (image.get_attribute("src") or "").startswith("/api/v1/workspaces/default/media/")
        page.wait_for_function("() => document.querySelector('.reddit-thumb img').naturalWidth > 0")
        page.wait_for_timeout(5600)  # past the page's 5 s refresh of a finished job
        assert len(asked) == 1, f"the media list is asked for again only when the job's media count moves: {asked}"
    finally:
        desktop.page.remove_listener("request", note)

    # An API key cannot ride on an <img src>: the file is fetched into an object URL, revoked on leaving.
    page = phone.go(f"/jobs/{job['id']}")
    image = page.locator(".reddit-thumb img").first
    image.wait_for()
    blob = image.get_attribute("src") or ""
    assert blob.startswith("blob:"), blob
    assert page.evaluate(LOADS, blob) == "kept"
    phone.go("/jobs")
    assert page.evaluate(LOADS, blob) == "revoked"
    # Chromium logs the failed load of the revoked URL, which is this test's doing, not the page's.
    phone.errors = [e for e in phone.errors if "ERR_FILE_NOT_FOUND" not in e]
