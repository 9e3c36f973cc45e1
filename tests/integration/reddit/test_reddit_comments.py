"""Whole comment trees: "load more" stubs through morechildren (≤100 ids a call, largest first,
one call at a time per credential), "continue this thread" followed, and the per-post bound."""

from __future__ import annotations

import threading

import pytest

from kairos.kinds.reddit.run import run_reddit
from tests.fake_reddit import FakeReddit
from tests.fake_reddit.server import Logged
from tests.integration.reddit.conftest import Runner


def _count(nodes: list[dict]) -> int:
    return sum(1 + _count(node["replies"]) for node in nodes)


def _max_depth(nodes: list[dict]) -> int:
    return max((max(node["depth"], _max_depth(node["replies"])) for node in nodes), default=-1)



@pytest.fixture
def database_url(sqlite_only: str) -> str:
    return sqlite_only


def test_a_big_tree_comes_back_whole_with_both_kinds_of_stubs(fake: FakeReddit, run: Runner) -> None:
    post = fake.corpus.make_post("technology", "self")
    total = fake.corpus.big_tree(post, top=320, fanout=10, depth=2, chain=13)
    outcome = run(limit=1, download_media=False, config={"max_more_requests": 100})
    item = outcome.items[0]
    assert outcome.result["comments_scraped"] == total == _count(item["comments"])
    assert outcome.result["comments_unexpanded"] == 0
    # The 13-deep chain is deeper than Reddit renders: it was followed, and kept its depth.
    assert _max_depth(item["comments"]) == 12
    calls = fake.api_requests("/api/morechildren")
    assert calls and all(1 <= len(_children(r)) <= 100 for r in calls)
    assert fake.api_requests("/comments/" + post.id + "/_/")
    assert fake.morechildren_overlaps == 0


def test_morechildren_asks_for_the_largest_stub_first_and_fills_each_call(fake: FakeReddit, run: Runner) -> None:
    post = fake.corpus.make_post("technology", "self")
    fake.corpus.big_tree(post, top=700, fanout=0, depth=1)
    run(limit=1, download_media=False)
    sizes = [len(_children(r)) for r in fake.api_requests("/api/morechildren")]
    # 500 rendered at first; the 200 behind the top-level stub take two full calls.
    assert sizes == [100, 100]


def _children(logged: Logged) -> list[str]:
    return [cid for cid in logged.form.get("children", "").split(",") if cid]


def test_the_per_post_bound_leaves_stubs_unexpanded_and_says_how_many(fake: FakeReddit, run: Runner) -> None:
    post = fake.corpus.make_post("technology", "self")
    total = fake.corpus.big_tree(post, top=900, fanout=0, depth=1)
    outcome = run(limit=1, download_media=False, config={"max_more_requests": 1})
    assert outcome.result["comments_scraped"] == 600
    assert outcome.result["comments_unexpanded"] == total - 600
    assert len(fake.api_requests("/api/morechildren")) == 1


def test_two_jobs_on_one_credential_never_overlap_their_morechildren_calls(fake: FakeReddit, run: Runner) -> None:
    for _ in range(2):
        post = fake.corpus.make_post("technology", "self")
        fake.corpus.big_tree(post, top=800, fanout=0, depth=1)
    fake.morechildren_hold = 0.05
    jobs = [run.context(limit=1 + n, download_media=False) for n in range(2)]
    threads = [threading.Thread(target=run_reddit, args=(payload, ctx, run.services)) for payload, ctx in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(fake.api_requests("/api/morechildren")) >= 4
    assert fake.morechildren_overlaps == 0


def test_deleted_and_removed_posts_and_comments_are_kept_and_marked(fake: FakeReddit, run: Runner) -> None:
    deleted = fake.corpus.make_post("technology", "deleted")
    removed = fake.corpus.make_post("technology", "removed")
    reply = fake.corpus.node("soon gone")
    fake.corpus.add_comments(removed, [fake.corpus.node("still here", children=[reply])])
    fake.corpus.delete_comment(reply.id)
    outcome = run(limit=2, download_media=False)
    by_id = {item["id"]: item for item in outcome.items}
    assert by_id[deleted.id]["removed"] == "deleted" and by_id[deleted.id]["author"] == "[deleted]"
    assert by_id[removed.id]["removed"] == "removed"
    gone = by_id[removed.id]["comments"][0]["replies"][0]
    assert gone["removed"] is True and gone["body"] == "[deleted]"
