"""The `reddit` kind's spec and its runner: one token cache per process, one budget per app."""

from __future__ import annotations

import json

from kairos.domain.items import canonical_json
from kairos.domain.jobs import Job
from kairos.domain.schedules import Kind
from kairos.kinds.context import TaskContext
from kairos.kinds.reddit.auth import TokenCache
from kairos.kinds.reddit.config import RedditSettings
from kairos.kinds.reddit.fields import FIELDS, check_reddit_job, check_reddit_schedule, reddit_name
from kairos.kinds.reddit.run import RedditServices, run_reddit
from kairos.kinds.spec import KindServices, KindSpec, Produced

COUNTERS = ("posts_scraped", "comments_scraped", "media_downloaded")


class RedditRunner:
    def __init__(self, services: RedditServices) -> None:
        self.services = services

    @classmethod
    def build(cls, services: KindServices) -> RedditRunner:
        return cls(RedditServices(store=services.store, settings=RedditSettings.from_settings(services.settings),
                                  http_client=services.http_client, tokens=TokenCache()))

    def run(self, job: Job, ctx: TaskContext) -> Produced:
        outcome = run_reddit(job.payload, ctx, self.services)
        # The posts (with their comments) are the items: compared run to run, sent to webhooks.
        return Produced(result=outcome.result, items=json.loads(canonical_json(outcome.items)))


REDDIT = KindSpec(
    kind=Kind.REDDIT,
    description="Scrape a subreddit's or user's posts, with comments, media and plugins.",
    fields=FIELDS,
    check=check_reddit_job,
    schedule_check=check_reddit_schedule,
    default_name=reddit_name,
    build_runner=RedditRunner.build,
    # `limit` and `config` are generic words: alone they do not say "reddit".
    weak_fields=frozenset({"limit", "config", "plugins"}),
    counters=COUNTERS,
)
