"""Reddit jobs in processes of their own: a history run killed with SIGKILL resumes from what it
had committed, and two processes on one credential stay within Reddit's budget together."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kairos.domain.reddit import PostFilters
from kairos.store.pages import Page
from kairos.store.sqlalchemy.store import SqlStore
from tests.fake_reddit import FakeReddit
from tests.integration.reddit.conftest import Runner

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]


def start(run: Runner, fake: FakeReddit, database_url: str, tmp_path: Path, schedule_id: str | None,
          **fields: Any) -> subprocess.Popen[str]:
    payload, ctx = run.context(schedule_id, **fields)
    spec = {"database_url": database_url, "base_url": fake.base_url, "oauth_url": fake.oauth_url,
            "media_dir": str(tmp_path / "media"), "job_id": ctx.job_id, "workspace_id": ctx.workspace_id,
            "schedule_id": schedule_id, "payload": payload}
    return subprocess.Popen([sys.executable, "-m", "tests.fake_reddit.run_job", json.dumps(spec)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_history_killed_mid_run_resumes_from_its_last_committed_page(
        fake: FakeReddit, run: Runner, store: SqlStore, ws: str, schedule_id: str, database_url: str,
        tmp_path: Path) -> None:
    fake.corpus.add_posts("technology", 900, variety=False, comments=0)
    fake.latency = 0.3  # each listing page takes a while: the kill lands inside the run
    options = {"mode": "history", "limit": 600, "download_media": False}
    child = start(run, fake, database_url, tmp_path, schedule_id, **options)
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


def test_two_worker_processes_on_one_credential_stay_within_the_budget(
        fake: FakeReddit, run: Runner, database_url: str, tmp_path: Path) -> None:
    fake.budget, fake.window = 8, 1.5
    fake.corpus.add_posts("technology", 12, variety=False, comments=2)
    options = {"limit": 12, "download_media": False}
    children = [start(run, fake, database_url, tmp_path, None, **options) for _ in range(2)]
    results = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["posts_scraped"] for r in results] == [12, 12]
    assert sum(r["requests"] for r in results) == 2 * 13
    assert fake.over_budget == 0
    assert sum(r["waited_seconds"] for r in results) > 0
