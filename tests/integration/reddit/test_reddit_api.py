"""The Reddit API a user reads: the connection (secrets never shown), the stored corpus with its
filters, one post with its comment tree, a job's media, and the files, all workspace-scoped."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.fake_reddit import FakeReddit
from tests.integration.reddit.conftest import Runner


def test_a_connection_is_stored_and_its_secrets_never_shown(reddit_api: TestClient, key_for) -> None:  # type: ignore[no-untyped-def]
    assert reddit_api.get("/connections/reddit").json()["source"] == "anonymous"
    body = {"client_id": "my-app", "client_secret": "s3cret-value", "username": "bot", "password": "pw-value"}
    put = reddit_api.put("/connections/reddit", json=body)
    assert put.status_code == 200, put.text
    shown = reddit_api.get("/connections/reddit", headers={"X-API-Key": key_for("viewer")})
    assert shown.json()["source"] == "workspace" and shown.json()["client_id"] == "my-app"
    assert shown.json()["has_client_secret"] and shown.json()["has_password"]
    assert "s3cret-value" not in put.text + shown.text and "pw-value" not in put.text + shown.text
    lone = reddit_api.put("/connections/reddit", json={"client_id": "x", "username": "bot"})
    assert lone.status_code == 400 and lone.json()["errors"][0]["loc"][-1] == "password"
    assert reddit_api.put("/connections/reddit", json={"client_id": ""}).status_code == 400
    viewer = reddit_api.put("/connections/reddit", json=body, headers={"X-API-Key": key_for("viewer")})
    assert viewer.status_code == 403
    assert reddit_api.delete("/connections/reddit").status_code == 200
    assert reddit_api.get("/connections/reddit").json()["source"] == "anonymous"


def test_the_corpus_can_be_browsed_filtered_and_read_post_by_post(
        fake: FakeReddit, run: Runner, reddit_api: TestClient, schedule_id: str) -> None:
    fake.corpus.add_posts("technology", 12, variety=False, comments=4, author="alice")
    fake.corpus.add_posts("python", 5, variety=False, comments=0, author="bob")
    run(schedule_id, limit=12, download_media=False)
    run(target="python", limit=5)
    everything = reddit_api.get("/reddit/posts", params={"limit": 10}).json()
    assert everything["total"] == 17 and len(everything["items"]) == 10 and everything["has_more"]
    rest = reddit_api.get("/reddit/posts", params={"limit": 10, "cursor": everything["next_cursor"]}).json()
    assert len(rest["items"]) == 7
    assert reddit_api.get("/reddit/posts", params={"subreddit": "r/python"}).json()["total"] == 5
    assert reddit_api.get("/reddit/posts", params={"author": "alice"}).json()["total"] == 12
    assert reddit_api.get("/reddit/posts", params={"schedule_id": schedule_id}).json()["total"] == 12
    newest = fake.corpus.listings["r/technology"][0]
    assert [p["id"] for p in reddit_api.get("/reddit/posts", params={"q": newest.id}).json()["items"]] == [newest.id]
    since = reddit_api.get("/reddit/posts", params={"since": "2100-01-01T00:00:00Z"}).json()
    assert since["total"] == 0
    assert reddit_api.get("/reddit/posts", params={"since": "2020-01-01T00:00:00"}).status_code == 400
    one = reddit_api.get(f"/reddit/posts/{newest.id}").json()
    assert one["id"] == newest.id and len(one["comments"]) == 2
    assert one["comments"][0]["replies"][0]["parent_id"] == f"t1_{one['comments'][0]['id']}"
    assert reddit_api.get("/reddit/posts/zzzzzz").status_code == 404
    assert reddit_api.get("/reddit/posts", params={"cursor": "nonsense!"}).status_code == 400


def test_a_jobs_media_and_files_are_served_to_its_workspace_only(
        fake: FakeReddit, run: Runner, reddit_api: TestClient, store: SqlStore, key_for) -> None:  # type: ignore[no-untyped-def]
    fake.corpus.make_post("technology", "gallery")
    run(limit=1, scrape_comments=False)
    job_id = run.last_ctx.job_id  # type: ignore[union-attr]
    media = reddit_api.get(f"/jobs/{job_id}/media").json()["items"]
    assert [m["status"] for m in media] == ["stored", "failed", "stored"]
    served = reddit_api.get(media[0]["url"].removeprefix("/api/v1/workspaces/default"))
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert hashlib.sha256(served.content).hexdigest() == media[0]["sha256"]
    other = {"X-API-Key": key_for("admin", "elsewhere")}
    base = "http://testserver/api/v1/workspaces/elsewhere"
    assert reddit_api.get(f"{base}/media/{media[0]['sha256']}", headers=other).status_code == 404
    assert reddit_api.get(f"{base}/jobs/{job_id}/media", headers=other).status_code == 404
    assert reddit_api.get("/media/not-a-hash").status_code == 404


def test_a_cursor_with_a_huge_number_is_a_400_naming_the_cursor(reddit_api: TestClient) -> None:
    import base64

    for raw in (b'[' + b'9' * 400 + b', "abc"]', b'[Infinity, "abc"]'):
        cursor = base64.urlsafe_b64encode(raw).decode()
        answer = reddit_api.get("/reddit/posts", params={"cursor": cursor})
        assert answer.status_code == 400, answer.text
        assert [e["loc"] for e in answer.json()["errors"]] == [["query", "cursor"]]


def test_a_plugin_cannot_break_the_post_listing(fake: FakeReddit, run: Runner,
                                                reddit_api: TestClient) -> None:
    from kairos.kinds.reddit.plugins import available

    def meddling(post, config):  # type: ignore[no-untyped-def]
        return {**post, "first_seen_at": "yesterday", "score": None, "title": 5, "mood": "curious"}

    available()["meddling"] = meddling
    try:
        fake.corpus.add_posts("technology", 2, variety=False, comments=0)
        outcome = run(limit=2, plugins=["meddling"])
    finally:
        del available()["meddling"]
    assert all("score must stay int" in " ".join(item["plugin_errors"]) for item in outcome.items)
    listed = reddit_api.get("/reddit/posts")
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [item["score"] for item in items] == [10, 10] and all(item["mood"] == "curious" for item in items)
    assert all(item["first_seen_at"] != "yesterday" and item["title"].startswith("Post ") for item in items)
