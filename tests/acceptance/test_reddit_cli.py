"""`kairos jobs create --reddit …` against a real `kairos serve` whose Reddit is the local fake."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.acceptance.conftest import KairosProcess
from tests.acceptance.test_cli import as_json, kairos_cli, ok
from tests.fake_reddit import FakeReddit

pytestmark = pytest.mark.slow


@pytest.fixture
def fake() -> Iterator[FakeReddit]:
    server = FakeReddit().start()
    yield server
    server.stop()


def test_a_reddit_job_from_the_cli_shows_live_counters_and_its_totals(kairos_factory: Any,
                                                                       fake: FakeReddit) -> None:
    fake.corpus.add_posts("technology", 40, variety=False, comments=2)
    fake.latency = 0.03  # slow enough that the follow sees the counters move
    server: KairosProcess = kairos_factory(env_extra={
        "KAIROS_REDDIT_BASE_URL": fake.base_url, "KAIROS_REDDIT_OAUTH_URL": fake.oauth_url,
        "KAIROS_REDDIT_CLIENT_ID": "app-id", "KAIROS_REDDIT_CLIENT_SECRET": "app-secret",
        "KAIROS_ALLOW_PRIVATE_NETWORKS": "1"})
    server.start()
    result = kairos_cli(server, "jobs", "create", "--reddit", "technology", "--mode", "full", "--limit", "30",
                        "--no-media", "--follow")
    out = ok(result)
    assert re.search(r"Job job_\S+ completed in", out), out
    assert "30 posts, 60 comments, 0 media files" in out  # a comment and its reply on each
    assert re.search(r"running \d+/30 \(\d+%\) \d+ posts, \d+ comments, 0 media", result.stderr), result.stderr
    jobs = as_json(kairos_cli(server, "jobs", "list", "--kind", "reddit", "--json"))
    assert [(j["status"], j["posts_scraped"], j["mode"]) for j in jobs["items"]] == [("completed", 30, "full")]
