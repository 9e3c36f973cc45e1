"""Two worker processes on one credential stay within Reddit's budget together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fake_reddit import FakeReddit
from tests.integration.reddit.conftest import Runner, start_job_process

pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """Scale-out runs on PostgreSQL: worker processes share one budget row there."""
    return postgres_url


def test_two_worker_processes_on_one_credential_stay_within_the_budget(
        fake: FakeReddit, run: Runner, database_url: str, tmp_path: Path) -> None:
    fake.budget, fake.window = 8, 1.5
    fake.corpus.add_posts("technology", 12, variety=False, comments=2)
    options = {"limit": 12, "download_media": False}
    children = [start_job_process(run, fake, database_url, tmp_path, None, **options) for _ in range(2)]
    results = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["posts_scraped"] for r in results] == [12, 12]
    assert sum(r["requests"] for r in results) == 2 * 13
    assert fake.over_budget == 0
    assert sum(r["waited_seconds"] for r in results) > 0
