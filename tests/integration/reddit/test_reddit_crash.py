"""A history run in a process of its own, killed with SIGKILL, resumes from what it had committed."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from kairos.domain.reddit import PostFilters
from kairos.store.pages import Page
from kairos.store.sqlalchemy.store import SqlStore
from tests.fake_reddit import FakeReddit
from tests.integration.reddit.conftest import Runner, start_job_process

pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(sqlite_only: str) -> str:
    """The default store: a killed process must lose nothing SQLite had committed."""
    return sqlite_only


def test_history_killed_mid_run_resumes_from_its_last_committed_page(
        fake: FakeReddit, run: Runner, store: SqlStore, ws: str, schedule_id: str, database_url: str,
        tmp_path: Path) -> None:
    fake.corpus.add_posts("technology", 900, variety=False, comments=0)
    fake.latency = 0.3  # each listing page takes a while: the kill lands inside the run
    options = {"mode": "history", "limit": 600, "download_media": False}
    child = start_job_process(run, fake, database_url, tmp_path, schedule_id, **options)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        cursor = store.get_reddit_cursor(ws, schedule_id)
        if cursor is not None and cursor.oldest is not None:
            break
        time.sleep(0.05)
    time.sleep(0.45)  # into its second or third page
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=10)
    cursor = store.get_reddit_cursor(ws, schedule_id)
    assert cursor is not None and cursor.oldest is not None
    names = [post.data["name"] for post in fake.corpus.listings["r/technology"]]
    reached = names.index(cursor.oldest) + 1
    assert reached % 25 == 0 and 0 < reached < 600  # whole batches, and the run did not finish
    fake.latency = 0.0
    resumed = run(schedule_id, **options)
    assert resumed.items[0]["name"] == names[reached]  # right after the last committed page
    stored = store.list_reddit_posts(ws, PostFilters(), Page(limit=1)).total
    assert stored >= reached + 600 - 25 and stored <= min(900, reached + 600 + 100)
    assert not set(names[:reached]) & {item["name"] for item in resumed.items}
