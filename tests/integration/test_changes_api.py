"""`GET /schedules/{id}/changes`: the unseen changed runs, marked seen once, with item filters."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from kairos.domain.finish import JobOutcome
from kairos.domain.jobs import JobStatus
from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.helpers import finish

T0 = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)

RUBIO = {"title": "Rubio talks tariffs", "body": "A new tariff on steel", "tag": "politics"}
ELON = {"title": "Elon Musk launches", "body": "Rockets and tariff news", "tag": "space"}
COIN = {"title": "Bitcoin rallies", "body": "Elon tweets again", "tag": "crypto"}
BIDEN = {"title": "Rubio and Biden debate", "body": "Long night", "tag": "politics"}


class Feed:
    """A schedule made over the API whose runs are finished through the store, as a worker would."""

    def __init__(self, api: TestClient, store: SqlStore) -> None:
        self.api, self.store = api, store
        made = api.post("/schedules", json={"name": "news", "task": "kairos.echo",
                                            "interval_seconds": 3600})
        assert made.status_code == 201, made.text
        self.id = made.json()["id"]
        self.ws = store.get_workspace("default").id
        self.clock = T0

    def run(self, items: list[Any]) -> str:
        self.clock += timedelta(seconds=1)
        job = self.store.fire_now(self.ws, self.id, self.clock)
        (claimed,) = self.store.claim_jobs("w1", self.clock, 1, 30)
        assert claimed.id == job.id
        outcome = JobOutcome(status=JobStatus.COMPLETED, result={"pages": []}, items=items)
        assert finish(self.store, job, "w1", outcome, self.clock)
        return job.id

    def changes(self, client: TestClient | None = None, **params: Any) -> dict[str, Any]:
        response = (client or self.api).get(f"/schedules/{self.id}/changes", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())


def test_unseen_changes_come_oldest_first_and_are_marked_seen_once(
        api: TestClient, store: SqlStore) -> None:
    feed = Feed(api, store)
    first = feed.run([RUBIO, ELON])
    feed.run([RUBIO, ELON])  # unchanged: not a change
    third = feed.run([ELON, COIN])
    body = feed.changes()
    assert [c["job_id"] for c in body["changes"]] == [first, third]
    assert (body["count"], body["marked_seen"], body["marked_count"], body["filter_applied"]) == (2, True, 2, None)
    assert body["schedule_id"] == feed.id
    newest = body["changes"][1]
    assert newest["results"] == [ELON, COIN]
    assert (newest["added"], newest["removed"]) == ([COIN], [RUBIO])
    assert newest["item_count"] == 2 and len(newest["content_hash"]) == 64
    assert newest["completed_at"].endswith("Z") and newest["seen"] is True
    assert feed.changes() == {"schedule_id": feed.id, "changes": [], "count": 0, "marked_seen": True,
                              "marked_count": 0, "filter_applied": None}
    fourth = feed.run([COIN])
    assert [c["job_id"] for c in feed.changes()["changes"]] == [fourth]


def test_mark_seen_false_previews_without_marking(api: TestClient, store: SqlStore) -> None:
    feed = Feed(api, store)
    job = feed.run([RUBIO])
    preview = feed.changes(mark_seen="false")
    assert [c["job_id"] for c in preview["changes"]] == [job]
    assert preview["marked_seen"] is False and preview["marked_count"] == 0 and preview["changes"][0]["seen"] is False
    assert feed.changes(mark_seen="false") == preview
    assert feed.changes()["marked_count"] == 1
    assert feed.changes(mark_seen="false")["count"] == 0


def test_limit_takes_the_oldest_and_leaves_the_rest(api: TestClient, store: SqlStore) -> None:
    feed = Feed(api, store)
    jobs = [feed.run([{"n": n}]) for n in range(5)]
    assert [c["job_id"] for c in feed.changes(limit=2)["changes"]] == jobs[:2]
    assert [c["job_id"] for c in feed.changes(limit=2)["changes"]] == jobs[2:4]
    assert [c["job_id"] for c in feed.changes()["changes"]] == jobs[4:]
    assert api.get(f"/schedules/{feed.id}/changes", params={"limit": 201}).status_code == 400
    assert api.get(f"/schedules/{feed.id}/changes", params={"limit": 0}).status_code == 400


def filtered(feed: Feed, text: str) -> list[list[str]]:
    body = feed.changes(filter=text, mark_seen="false")
    assert body["filter_applied"] == (text or None)
    return [[item["title"] for item in change["results"]] for change in body["changes"]]


def test_each_filter_form_returns_exactly_the_matching_items(api: TestClient, store: SqlStore) -> None:
    feed = Feed(api, store)
    feed.run([RUBIO, ELON, COIN, BIDEN])
    everything = [RUBIO["title"], ELON["title"], COIN["title"], BIDEN["title"]]
    assert filtered(feed, "+rubio +tariff") == [[RUBIO["title"]]]
    assert filtered(feed, "bitcoin biden") == [[COIN["title"], BIDEN["title"]]]
    assert filtered(feed, "+rubio -biden") == [[RUBIO["title"]]]
    assert filtered(feed, "-elon") == [[RUBIO["title"], BIDEN["title"]]]
    assert filtered(feed, '"elon musk"') == [[ELON["title"]]]
    assert filtered(feed, "tag:politics") == [[RUBIO["title"], BIDEN["title"]]]
    assert filtered(feed, 'title:elon +body:"tariff news"') == [[ELON["title"]]]
    assert filtered(feed, "tariff OR crypto") == [[RUBIO["title"], ELON["title"], COIN["title"]]]
    assert filtered(feed, "") == [everything]
    assert feed.changes(filter="", mark_seen="false")["filter_applied"] is None


def test_a_filter_narrows_added_and_removed_and_drops_jobs_left_empty(
        api: TestClient, store: SqlStore) -> None:
    feed = Feed(api, store)
    feed.run([RUBIO, ELON])
    feed.changes()
    lost_rubio = feed.run([ELON])
    only_coin = feed.run([ELON, COIN])
    body = feed.changes(filter="+rubio")
    # The first run lost its Rubio item; the second has none, added or removed: omitted.
    assert [c["job_id"] for c in body["changes"]] == [lost_rubio]
    assert body["changes"][0]["results"] == [] and body["changes"][0]["removed"] == [RUBIO]
    assert body["marked_count"] == 2
    assert only_coin not in [c["job_id"] for c in feed.changes(mark_seen="false")["changes"]]
    assert feed.changes(mark_seen="false")["count"] == 0


def test_an_invalid_filter_is_a_400_and_marks_nothing(api: TestClient, store: SqlStore) -> None:
    feed = Feed(api, store)
    feed.run([RUBIO])
    response = api.get(f"/schedules/{feed.id}/changes", params={"filter": '"unclosed'})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in response.json()["errors"]] == [["query", "filter"]]
    assert feed.changes(mark_seen="false")["count"] == 1


def test_other_workspaces_and_unknown_schedules_are_404(
        api: TestClient, store: SqlStore, key_for: Any) -> None:
    feed = Feed(api, store)
    feed.run([RUBIO])
    assert api.get("/schedules/sched_missing/changes").status_code == 404
    outsider = key_for("admin", "elsewhere")
    response = api.get(f"/api/v1/workspaces/elsewhere/schedules/{feed.id}/changes",
                       headers={"X-API-Key": outsider})
    assert response.status_code == 404
    assert feed.changes(mark_seen="false")["count"] == 1


def test_a_viewer_may_read_and_mark_the_feed(api: TestClient, store: SqlStore, key_for: Any) -> None:
    feed = Feed(api, store)
    feed.run([RUBIO])
    viewer = TestClient(api.app, base_url=str(api.base_url),
                        headers={"X-API-Key": key_for("viewer")})
    assert feed.changes(viewer, mark_seen="false")["count"] == 1
    assert feed.changes(viewer)["marked_count"] == 1
    anonymous = TestClient(api.app, base_url=str(api.base_url))
    assert anonymous.get(f"/schedules/{feed.id}/changes").status_code == 401


def test_concurrent_readers_never_both_take_a_job(api: TestClient, store: SqlStore) -> None:
    feed = Feed(api, store)
    made = {feed.run([{"n": n}]) for n in range(30)}
    barrier = threading.Barrier(4)
    taken: list[list[str]] = []

    def read() -> None:
        barrier.wait()
        for _ in range(5):
            batch = store.mark_changes_seen(feed.ws, feed.id, 3, T0)
            taken.append([c.job_id for c in batch])

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [job for batch in taken for job in batch]
    assert len(every) == len(set(every))
    leftover = {c.job_id for c in store.list_changes(feed.ws, feed.id, 200)}
    assert set(every) | leftover == made and not set(every) & leftover


def test_the_history_lists_changed_runs_newest_first_seen_ones_too(api: TestClient, store: SqlStore) -> None:
    feed = Feed(api, store)
    first = feed.run([RUBIO])
    second = feed.run([RUBIO, ELON])
    feed.run([RUBIO, ELON])  # unchanged: never in the history
    assert feed.changes(limit=1)["marked_count"] == 1  # the oldest is seen now
    third = feed.run([ELON, COIN])
    body = feed.changes(history="true")
    assert [(c["job_id"], c["seen"]) for c in body["changes"]] == [(third, False), (second, False), (first, True)]
    assert body["marked_seen"] is False and body["marked_count"] == 0
    assert body["changes"][0]["added"] == [COIN] and body["changes"][0]["removed"] == [RUBIO]
    assert [c["job_id"] for c in feed.changes(history="true", limit=2)["changes"]] == [third, second]
    assert [c["job_id"] for c in feed.changes(mark_seen="false")["changes"]] == [second, third], \
        "the history marks nothing"
