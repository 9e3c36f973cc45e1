"""Each mode over several runs against the fake Reddit: full, history to the listing's end,
monitor after a gap; dedupe across runs; cancel mid-run keeps what was stored."""

from __future__ import annotations

import time

import pytest

from kairos.domain.finish import CancelReason
from kairos.domain.reddit import PostFilters
from kairos.exceptions import JobCancelled
from kairos.store.pages import Page
from kairos.store.sqlalchemy.store import SqlStore
from tests.fake_reddit import FakeReddit
from tests.integration.reddit.conftest import Background, Runner, progress_of


def stored_ids(store: SqlStore, ws: str) -> list[str]:
    found = store.list_reddit_posts(ws, PostFilters(), Page(limit=200))
    ids = [p.reddit_id for p in found.items]
    while found.has_more:
        found = store.list_reddit_posts(ws, PostFilters(), Page(limit=200, cursor=found.next_cursor))
        ids += [p.reddit_id for p in found.items]
    return ids


def listing_ids(fake: FakeReddit, sub: str = "technology") -> list[str]:
    return [post.id for post in fake.corpus.listings[f"r/{sub}"]]


def test_full_takes_the_newest_posts_and_a_second_run_updates_instead_of_doubling(
        fake: FakeReddit, run: Runner, store: SqlStore, ws: str) -> None:
    fake.corpus.add_posts("technology", 160, comments=2)
    for post in fake.corpus.listings["r/technology"][5:]:
        post.comments.clear()
        post.data["num_comments"] = 0
    first = run(limit=120, download_media=False)
    assert [item["id"] for item in first.items] == listing_ids(fake)[:120]
    assert first.result["posts_scraped"] == 120
    assert first.result["comments_scraped"] == 5 * 2
    assert all(len(item["comments"]) == 1 and len(item["comments"][0]["replies"]) == 1 for item in first.items[:5])
    # One listing call of 100 and one of 20, then a comments call for each post that has comments.
    assert first.result["requests"] == 2 + 5
    fake.corpus.posts[listing_ids(fake)[0]].data["score"] = 999
    second = run(limit=120, download_media=False)
    assert second.result["posts_scraped"] == 120
    assert len(stored_ids(store, ws)) == 120
    assert store.get_reddit_post(ws, listing_ids(fake)[0]).item["score"] == 999


def test_history_walks_back_run_after_run_until_the_listing_ends(
        fake: FakeReddit, run: Runner, store: SqlStore, ws: str, schedule_id: str) -> None:
    fake.corpus.add_posts("technology", 1100, variety=False, comments=0)
    everything = listing_ids(fake)
    options = {"mode": "history", "limit": 400, "scrape_comments": False, "download_media": False}
    runs = [run(schedule_id, **options) for _ in range(4)]
    assert [r.result["posts_scraped"] for r in runs] == [400, 400, 200, 0]
    assert [item["id"] for item in runs[1].items] == everything[400:800]
    assert [r.result["listing_end"] for r in runs] == [False, False, True, True]
    # Reddit serves no more than 1,000 items of a listing: the rest cannot be reached.
    assert sorted(stored_ids(store, ws)) == sorted(everything[:1000])
    assert runs[3].result["requests"] == 0


def test_history_picks_up_after_the_post_it_stopped_at_was_removed(
        fake: FakeReddit, run: Runner, store: SqlStore, ws: str, schedule_id: str) -> None:
    fake.corpus.add_posts("technology", 300, variety=False, comments=0)
    everything = listing_ids(fake)
    options = {"mode": "history", "limit": 100, "scrape_comments": False, "download_media": False}
    first = run(schedule_id, **options)
    assert [item["id"] for item in first.items] == everything[:100]
    # The post the cursor points at is removed: Reddit answers an empty page after it.
    fake.corpus.listings["r/technology"].pop(99)
    second = run(schedule_id, **options)
    assert second.result["listing_end"] is False
    assert [item["id"] for item in second.items] == everything[100:200]
    third = run(schedule_id, **options)
    assert [item["id"] for item in third.items] == everything[200:300] and third.result["listing_end"] is True


def test_history_says_the_listing_ended_only_with_the_last_batch_stored(
        fake: FakeReddit, run: Runner, store: SqlStore, ws: str, schedule_id: str, database_url: str) -> None:
    import dataclasses

    class FailsOnTheLastBatch(SqlStore):
        def save_reddit_page(self, workspace_id, page, now):  # type: ignore[no-untyped-def]
            if len(page.posts) == 5:
                raise RuntimeError("the process died here")
            super().save_reddit_page(workspace_id, page, now)

    fake.corpus.add_posts("technology", 30, variety=False, comments=0)
    options = {"mode": "history", "limit": 100, "scrape_comments": False, "download_media": False}
    dying = FailsOnTheLastBatch(database_url)
    try:
        run.services = dataclasses.replace(run.services, store=dying)
        with pytest.raises(RuntimeError):
            run(schedule_id, **options)
    finally:
        dying.close()
    cursor = store.get_reddit_cursor(ws, schedule_id)
    assert cursor is not None and cursor.listing_end is False  # 25 of the page's 30 were stored
    run.services = dataclasses.replace(run.services, store=store)
    again = run(schedule_id, **options)
    assert again.result["posts_scraped"] == 5 and again.result["listing_end"] is True
    assert len(stored_ids(store, ws)) == 30


def test_monitor_takes_only_what_is_new_paging_through_a_150_post_gap(
        fake: FakeReddit, run: Runner, store: SqlStore, ws: str, schedule_id: str) -> None:
    fake.corpus.add_posts("technology", 300, variety=False, comments=0)
    options = {"mode": "monitor", "limit": 100, "scrape_comments": False, "download_media": False}
    first = run(schedule_id, **options)
    assert first.result["posts_scraped"] == 100
    fake.corpus.add_posts("technology", 150, variety=False, comments=0)
    second = run(schedule_id, **options)
    assert [item["id"] for item in second.items] == listing_ids(fake)[:150]
    # A whole new page, then the page where the mark is, then /api/info for the posts seen before.
    assert second.result["requests"] == 3 and second.result["posts_refreshed"] == 100
    third = run(schedule_id, **options)
    assert third.result["posts_scraped"] == 0
    assert len(stored_ids(store, ws)) == 250


def test_monitor_refreshes_the_posts_it_stored_before_through_api_info(
        fake: FakeReddit, run: Runner, store: SqlStore, ws: str, schedule_id: str) -> None:
    fake.corpus.add_posts("technology", 20, variety=False, comments=0)
    options = {"mode": "monitor", "limit": 20, "scrape_comments": False, "download_media": False,
               "plugins": ["mask_pii"]}
    first = run(schedule_id, **options)
    assert first.result["posts_refreshed"] == 0  # nothing was stored before it
    old = fake.corpus.listings["r/technology"][5]
    old.data.update(score=4321, num_comments=7, selftext="new text, mail me at x@example.com")
    fake.corpus.add_posts("technology", 3, variety=False, comments=0)
    second = run(schedule_id, **options)
    assert len(second.items) == 3 and second.result["posts_refreshed"] == 20
    info = fake.api_requests("/api/info")
    assert len(info) == 1 and f"t3_{old.id}" in info[0].query["id"][0].split(",")
    refreshed = store.get_reddit_post(ws, old.id)
    assert (refreshed.item["score"], refreshed.item["num_comments"]) == (4321, 7)
    assert "x@example.com" not in refreshed.item["selftext"]  # the text stays as the plugins left it
    assert refreshed.last_seen_at > refreshed.first_seen_at
    shown = store.list_reddit_posts(ws, PostFilters(), Page(limit=50))
    assert shown.total == 23


def test_cancel_mid_run_stops_promptly_and_keeps_the_pages_stored(
        fake: FakeReddit, run: Runner, store: SqlStore, ws: str) -> None:
    fake.corpus.add_posts("technology", 200, variety=False, comments=2)
    fake.latency = 0.01
    payload, ctx = run.context(limit=200, download_media=False)

    thread = run.in_background(payload, ctx)
    deadline = time.monotonic() + 30
    while progress_of(ctx).get("posts", 0) < 30 and time.monotonic() < deadline:
        time.sleep(0.02)
    ctx.cancel(CancelReason.REQUESTED)
    started = time.monotonic()
    thread.join(10)
    assert time.monotonic() - started < 2
    assert thread.raised and isinstance(thread.raised[0], JobCancelled)
    kept = stored_ids(store, ws)
    assert 30 <= len(kept) < 200
    # The posts taken before the cancel are stored, not only the whole batches: the counters the
    # job reports are what it kept.
    progress = progress_of(ctx)
    assert progress["posts"] == progress["posts_scraped"] == len(kept)
    assert progress["comments"] == len(kept) * 2
    assert progress["phase"] in ("comments", "listing")


def test_a_job_waiting_for_the_single_call_lock_is_cancelled_promptly(
        store: SqlStore, run: Runner) -> None:
    from kairos.kinds.reddit.budget import BudgetGate, _local_lock

    _, ctx = run.context()
    gate = BudgetGate(store, "a-credential", ctx)

    def wait_for_lock() -> None:
        with gate.one_at_a_time(ctx.job_id):
            pass

    held = _local_lock("a-credential")
    held.acquire()  # another job of this process is in its morechildren call
    try:
        waiter = Background(wait_for_lock)
        time.sleep(0.3)
        ctx.cancel(CancelReason.REQUESTED)
        waiter.join(2)
        assert not waiter.thread.is_alive() and waiter.raised and isinstance(waiter.raised[0], JobCancelled)
    finally:
        held.release()
        waiter.thread.join()


@pytest.mark.parametrize("kind", ["user"])
def test_a_users_submissions_are_a_target_too(fake: FakeReddit, run: Runner, kind: str) -> None:
    fake.corpus.add_posts("technology", 30, variety=False, comments=0, author="spez_fan")
    outcome = run(target="u/spez_fan", target_type=kind, limit=10, scrape_comments=False)
    assert len(outcome.items) == 10 and {item["author"] for item in outcome.items} == {"spez_fan"}
