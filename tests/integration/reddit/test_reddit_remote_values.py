"""What media hosts and Reddit write is bounded before it reaches a column: an over-long
Content-Type or media URL fails or shortens that media row, never the job (PostgreSQL refuses a
value longer than its column; SQLite would not notice, so both run)."""

from __future__ import annotations

from kairos.store.sqlalchemy.store import SqlStore
from tests.fake_reddit import FakeReddit
from tests.fake_reddit.server import Reply
from tests.integration.reddit.conftest import Runner


def test_an_over_long_content_type_fails_only_its_media_row(fake: FakeReddit, run: Runner, store: SqlStore,
                                                            ws: str) -> None:
    post = fake.corpus.make_post("technology", "image")
    fake.media_replies[f"/i/{post.id}.png"] = Reply(200, b"\x89PNG\r\n", {"Content-Type": "image/" + "x" * 150})
    outcome = run(limit=1, scrape_comments=False)
    media = outcome.items[0]["media"][0]
    assert media["status"] == "failed" and "no stated type" in media["note"]
    assert [row.status for row in store.job_media(ws, run.last_ctx.job_id)] == ["failed"]  # type: ignore[union-attr]


def test_an_over_long_media_url_is_keyed_by_its_hash_and_fetched_once(fake: FakeReddit, run: Runner,
                                                                      store: SqlStore, ws: str) -> None:
    name = "p" * 1200 + ".png"
    fake.corpus.make_post("technology", "image", share_image=name)
    fake.corpus.make_post("technology", "image", share_image=name)
    outcome = run(limit=2, scrape_comments=False)
    assert [item["media"][0]["status"] for item in outcome.items] == ["stored", "stored"]
    rows = store.job_media(ws, run.last_ctx.job_id)  # type: ignore[union-attr]
    assert len({row.media_key for row in rows}) == 1 and rows[0].media_key.startswith("sha256:")
    assert len(rows[0].media_key) <= 1000
    assert len([r for r in fake.requests if r.path == f"/i/{name}"]) == 1
    again = run(limit=2, scrape_comments=False)  # found by its hashed key: not fetched again
    assert again.result["media_downloaded"] == 0
    assert len([r for r in fake.requests if r.path == f"/i/{name}"]) == 1
