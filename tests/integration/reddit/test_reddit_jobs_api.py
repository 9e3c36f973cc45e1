"""Reddit end to end through the API with the loops running: the seed 000/001 bodies at the
canonical paths, a job's live counters and results, changes between runs, bad input as 400s,
cancel, and the CLI following a job."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.api.app import create_app
from kairos.api.auth import bootstrap
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.fake_reddit import FakeReddit
from tests.integration.conftest import ADMIN_KEY
from tests.seed_bodies import REDDIT_JOB, REDDIT_JOB_CURL, REDDIT_SCHEDULE, REDDIT_SCHEDULE_PATCH


@pytest.fixture
def live(store: SqlStore, fake: FakeReddit, tmp_path: Path) -> Iterator[TestClient]:
    """The API with its scheduler and workers running, Reddit being the fake."""
    bootstrap(store, utcnow(), ADMIN_KEY)
    settings = Settings(min_interval_seconds=1, data_dir=tmp_path, allow_private_networks=True, workers=2,
                        reddit_base_url=fake.base_url, reddit_oauth_url=fake.oauth_url,
                        reddit_client_id="app-id", reddit_client_secret="app-secret",
                        reddit_user_agent="test:kairos-e2e:1.0 (by /u/kairos_tests)")
    runtime = Runtime.build(settings, store, frozenset({"api", "scheduler", "worker"}))
    with TestClient(create_app(runtime), base_url="http://testserver/api/v1/workspaces/default",
                    headers={"X-API-Key": ADMIN_KEY}) as client:
        yield client


def finished(api: TestClient, job_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(f"/jobs/{job_id}").json()
        if job["status"] not in ("pending", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_the_seed_bodies_make_a_schedule_and_a_job_that_scrapes(live: TestClient, fake: FakeReddit) -> None:
    fake.corpus.add_posts("technology", 110, comments=2)
    for post in fake.corpus.listings["r/technology"][10:]:
        post.comments.clear()
        post.data["num_comments"] = 0
    schedule = live.post("/schedules", json=REDDIT_SCHEDULE)
    assert schedule.status_code == 201, schedule.text
    shown = schedule.json()
    assert {k: shown[k] for k in ("target", "target_type", "mode", "cron_expression", "config")} == {
        "target": "technology", "target_type": "subreddit", "mode": "history", "cron_expression": "0 */6 * * *",
        "config": {}}
    assert shown["kind"] == "reddit" and shown["limit"] == 100 and shown["plugins"] == []
    bare = live.post("/schedules", json={"target": "technology", "cron_expression": "0 */6 * * *"}).json()
    assert bare["mode"] == "history" and bare["target_type"] == "subreddit"
    assert live.patch(f"/schedules/{shown['id']}", json=REDDIT_SCHEDULE_PATCH).json()["enabled"] is False

    created = live.post("/jobs", json=REDDIT_JOB)
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["status"] == "pending" and job["mode"] == "full"
    assert (job["posts_scraped"], job["comments_scraped"], job["media_downloaded"]) == (0, 0, 0)
    # A second job on the same posts, without media: with two workers both run at once, and the
    # first job's media count must not depend on which of them fetched a file first.
    assert live.post("/jobs", json={"target": "technology", "download_media": False}).json()["mode"] == "full"
    done = finished(live, job["id"])
    assert done["status"] == "completed", done
    assert done["posts_scraped"] == 100 and done["comments_scraped"] > 0 and done["media_downloaded"] > 0
    assert done["duration_seconds"] is not None and done["error_message"] is None
    progress = done["progress"]
    assert {k: progress[k] for k in ("posts", "phase", "waiting_seconds")} == {
        "posts": 100, "phase": "done", "waiting_seconds": 0}
    assert progress["comments"] == done["comments_scraped"] and progress["media"] == done["media_downloaded"]
    assert done["item_count"] == 100
    results = live.get(f"/jobs/{job['id']}/results").json()
    assert len(results["items"]) == 100 and "comments" in results["items"][0]
    assert live.get(f"/jobs/{job['id']}/results", params={"format": "csv"}).status_code == 200
    assert live.get(f"/jobs/{job['id']}/media").json()["total"] >= done["media_downloaded"]


def test_a_rerun_with_nothing_new_has_no_changes_and_a_new_score_has(live: TestClient, fake: FakeReddit) -> None:
    fake.corpus.add_posts("technology", 8, variety=False, comments=2)
    schedule = live.post("/schedules", json={**REDDIT_SCHEDULE, "mode": "full", "limit": 8,
                                             "download_media": False}).json()
    first = finished(live, live.post(f"/schedules/{schedule['id']}/trigger").json()["id"])
    second = finished(live, live.post(f"/schedules/{schedule['id']}/trigger").json()["id"])
    assert (first["has_changes"], second["has_changes"]) == (True, False)
    fake.corpus.listings["r/technology"][0].data["score"] = 12345
    third = finished(live, live.post(f"/schedules/{schedule['id']}/trigger").json()["id"])
    assert third["has_changes"] is True
    feed = live.get(f"/schedules/{schedule['id']}/changes", params={"mark_seen": "false"}).json()
    assert feed["count"] == 2


BAD = [
    ({**REDDIT_JOB_CURL, "plugins": ["no_such_plugin"]}, "plugins.0"),
    ({**REDDIT_JOB_CURL, "limit": 0}, "limit"),
    ({**REDDIT_JOB_CURL, "limit": 10001}, "limit"),
    ({**REDDIT_JOB_CURL, "mode": "sometimes"}, "mode"),
    ({**REDDIT_JOB_CURL, "target_type": "forum"}, "target_type"),
    ({**REDDIT_JOB_CURL, "target": "x" * 256}, "target"),
    ({**REDDIT_JOB_CURL, "target": "has spaces"}, "target"),
    ({**REDDIT_JOB_CURL, "config": {"max_more_requests": -1}}, "config.max_more_requests"),
    ({**REDDIT_JOB_CURL, "download_media": "yes"}, "download_media"),
    ({**REDDIT_JOB_CURL, "config": []}, "config"),
]


def test_bad_reddit_fields_are_400s_naming_them(reddit_api: TestClient) -> None:
    for body, field in BAD:
        for path, extra in (("/jobs", {}), ("/schedules", {"cron_expression": "0 */6 * * *"})):
            answer = reddit_api.post(path, json={**body, **extra})
            assert answer.status_code == 400, (path, body, answer.text)
            locs = [".".join(map(str, e["loc"])) for e in answer.json()["errors"]]
            assert any(loc.endswith(field) for loc in locs), (body, locs)


def test_a_running_job_is_cancelled_and_keeps_its_posts(live: TestClient, fake: FakeReddit) -> None:
    fake.corpus.add_posts("technology", 200, variety=False, comments=2)
    fake.latency = 0.01
    job = live.post("/jobs", json={**REDDIT_JOB_CURL, "limit": 200, "download_media": False}).json()
    deadline = time.monotonic() + 30
    while live.get(f"/jobs/{job['id']}").json()["progress"].get("posts", 0) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live.delete(f"/jobs/{job['id']}").status_code == 200
    ended = finished(live, job["id"])
    assert ended["status"] == "cancelled"
    kept = live.get("/reddit/posts").json()["total"]
    assert 25 <= kept < 200
