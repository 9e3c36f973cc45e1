"""Scenario "reddit": a `full` scrape of 1,000 posts with their whole comment trees, beside PRAW.

Both read the same fake Reddit (tests/fake_reddit, real loopback servers) through their own HTTP
stacks: Kairos as a reddit job on SQLite, PRAW configured to the fake with `oauth_url` and
`reddit_url`, fetching `subreddit.new(limit=1000)` and calling `replace_more(limit=None)` on each
post. The fake's budget is set high enough that neither waits: the figure that matters on the
real Reddit (100 requests a minute) is work per request, and wall time shows the rest.
Kairos's "ingest CPU" is the CPU its job thread spent storing and de-duplicating (the page
writes), measured on a first run and on a second run that finds every post already stored.
"""

from __future__ import annotations

import logging
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from tests.fake_reddit import FakeReddit

from bench.databases import Databases
from bench.report import ratio, table, verdict
from bench.sizes import QUICK, Sizes
from kairos.domain.jobs import Job, JobStatus
from kairos.domain.payloads import FieldErrors
from kairos.ids import new_id
from kairos.kinds.context import TaskContext
from kairos.kinds.reddit.config import Credentials, RedditSettings
from kairos.kinds.reddit.fields import check_reddit_job
from kairos.kinds.reddit.run import RedditServices, run_reddit
from kairos.outbound import make_client
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow

AGENT = "bench:kairos-reddit:1.0 (by /u/kairos_bench)"
TARGET_INGEST_CPU = 2.0


def _corpus(fake: FakeReddit, posts: int) -> int:
    """`posts` posts; most with a small thread, some with a 'load more' stub behind 500
    comments, some with many small nested stubs. Returns the number of comments."""
    fake.corpus.add_posts("bench", posts, variety=False, comments=2)
    total = sum(post.data["num_comments"] for post in fake.corpus.listings["r/bench"])
    for index, post in enumerate(fake.corpus.listings["r/bench"]):
        if index % 50 == 0:
            total += fake.corpus.big_tree(post, top=560, fanout=0, depth=1)
        elif index % 50 == 25:
            total += fake.corpus.big_tree(post, top=6, fanout=11, depth=2)
    return total


class _Timed(SqlStore):
    """The store, counting the CPU its page writes cost the calling (job) thread."""

    ingest_cpu = 0.0

    def save_reddit_page(self, *args: Any, **kwargs: Any) -> None:
        started = time.thread_time()
        super().save_reddit_page(*args, **kwargs)
        self.ingest_cpu += time.thread_time() - started


def _kairos(fake: FakeReddit, url: str, media: Path, posts: int) -> tuple[dict[str, Any], float, float]:
    upgrade(url)
    store = _Timed(url)
    ws = store.ensure_workspace("default", "Default", utcnow()).id
    settings = RedditSettings(base_url=fake.base_url, oauth_url=fake.oauth_url, user_agent=AGENT,
                              instance=Credentials(client_id="app-id", client_secret="app-secret"),
                              media_dir=media, ffmpeg="off", media_max_bytes=1 << 20, image_max_bytes=1 << 20)
    services = RedditServices(store=store, settings=settings,
                              http_client=partial(make_client, allow_private_networks=True))
    results, cpus = [], []
    for _ in range(2):
        errors = FieldErrors()
        payload = check_reddit_job({"target": "bench", "limit": posts, "download_media": False,
                                    "config": {"max_more_requests": 1000}}, errors)
        now = utcnow()
        job = Job(id=new_id("job"), workspace_id=ws, schedule_id=None, kind="reddit", payload=payload,
                  status=JobStatus.RUNNING, run_after=now, created_at=now)
        store.add_job(job)
        ctx = TaskContext(job_id=job.id, workspace_id=ws, schedule_id=None, attempt=1, scheduled_for=None)
        store.ingest_cpu = 0.0
        started = time.perf_counter()
        outcome = run_reddit(payload, ctx, services)
        results.append((outcome.result, time.perf_counter() - started))
        cpus.append(store.ingest_cpu)
    store.close()
    return results[0][0], results[0][1], max(cpus)


def _praw(fake: FakeReddit, posts: int) -> tuple[int, int, float]:
    import praw

    reddit = praw.Reddit(client_id="app-id", client_secret="app-secret", user_agent=AGENT,
                         oauth_url=fake.oauth_url, reddit_url=fake.base_url, check_for_updates=False)
    started = time.perf_counter()
    seen = comments = 0
    for submission in reddit.subreddit("bench").new(limit=posts):
        submission.comments.replace_more(limit=None)
        comments += len(submission.comments.list())
        seen += 1
    return seen, comments, time.perf_counter() - started


def reddit(sizes: Sizes, dbs: Databases) -> None:
    posts = 200 if sizes is QUICK else 1000
    logging.getLogger("prawcore").setLevel(logging.ERROR)
    fake = FakeReddit(budget=1_000_000, window=600).start()
    try:
        total = _corpus(fake, posts)
        before = len(fake.api_requests())
        with tempfile.TemporaryDirectory() as media:
            result, wall, ingest_cpu = _kairos(fake, dbs.new("sqlite", "reddit"), Path(media), posts)
        kairos_requests = (len(fake.api_requests()) - before) // 2  # two runs, the same calls each
        before = len(fake.api_requests())
        praw_posts, praw_comments, praw_wall = _praw(fake, posts)
        praw_requests = len(fake.api_requests()) - before
    finally:
        fake.stop()
    rows = [
        ["Kairos", result["posts_scraped"], result["comments_scraped"], kairos_requests,
         f"{result['posts_scraped'] / kairos_requests:.2f}", f"{result['comments_scraped'] / kairos_requests:.1f}",
         f"{wall:.1f} s"],
        ["PRAW", praw_posts, praw_comments, praw_requests, f"{praw_posts / praw_requests:.2f}",
         f"{praw_comments / praw_requests:.1f}", f"{praw_wall:.1f} s"],
    ]
    same = result["posts_scraped"] == praw_posts and result["comments_scraped"] == praw_comments == total
    table(f"Reddit: a full scrape of {posts} posts with every comment ({total} in the fake)",
          ["client", "posts", "comments", "requests", "posts/request", "comments/request", "wall time"], rows,
          notes=[f"requests, Kairos / PRAW: {ratio(kairos_requests, praw_requests)} "
                 f"(target: the same data with no more requests than PRAW: "
                 f"{verdict(same and kairos_requests <= praw_requests)})",
                 f"Kairos ingest and dedupe CPU (job thread, worst of a first and a repeat run): "
                 f"{ingest_cpu:.2f} s (target under {TARGET_INGEST_CPU:.0f} s: "
                 f"{verdict(ingest_cpu < TARGET_INGEST_CPU)})"])
