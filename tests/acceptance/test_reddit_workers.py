"""Two `kairos worker` processes on one PostgreSQL database and one Reddit app spend one budget:
together they never go past what Reddit allows, and neither job fails for being throttled."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from kairos.domain.definition import build_job
from kairos.domain.jobs import JobStatus
from kairos.ids import new_id
from kairos.kinds.catalog import KINDS
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.acceptance.conftest import KairosProcess
from tests.fake_reddit import FakeReddit

pytestmark = pytest.mark.slow


@pytest.fixture
def fake() -> Iterator[FakeReddit]:
    server = FakeReddit(budget=8, window=1.5).start()
    yield server
    server.stop()


def test_two_worker_processes_on_one_credential_stay_within_the_budget(
        kairos_factory: Any, fake: FakeReddit, postgres_url: str) -> None:
    fake.corpus.add_posts("technology", 12, variety=False, comments=2)
    env = {"KAIROS_DATABASE_URL": postgres_url, "KAIROS_WORKERS": "1", "KAIROS_ALLOW_PRIVATE_NETWORKS": "1",
           "KAIROS_REDDIT_BASE_URL": fake.base_url, "KAIROS_REDDIT_OAUTH_URL": fake.oauth_url,
           "KAIROS_REDDIT_CLIENT_ID": "app-id", "KAIROS_REDDIT_CLIENT_SECRET": "app-secret"}
    store = SqlStore(postgres_url)
    try:
        ws = store.ensure_workspace("default", "Default", utcnow()).id
        jobs = [build_job({"target": "technology", "limit": 12, "download_media": False}, job_id=new_id("job"),
                          workspace_id=ws, now=utcnow(), kinds=KINDS.rulebook) for _ in range(2)]
        for job in jobs:
            store.add_job(job)
        workers: list[KairosProcess] = [kairos_factory(command=("worker",), env_extra=env) for _ in range(2)]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            done = [store.get_job(ws, job.id) for job in jobs]
            if all(job.finished for job in done):
                break
            time.sleep(0.2)
        assert [job.status for job in done] == [JobStatus.COMPLETED] * 2, [w.logs() for w in workers]
        assert [job.progress["posts_scraped"] for job in done] == [12, 12]
        # Each worker process asked for its own token, so both ran a job; one listing call and a
        # comments call per post each, all on one app.
        assert len(fake.grants) == 2
        assert len(fake.api_requests()) == 2 * 13 and len({r.app for r in fake.api_requests()}) == 1
        assert fake.over_budget == 0
        assert sum(job.result["waited_seconds"] for job in done) > 0
    finally:
        store.close()
