"""Media: images, galleries in order with their failed item, a crosspost's media, v.redd.it video
merged with its best audio from the DASH manifest; stored once per SHA-256, fetched once per id."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from kairos.kinds.reddit.files import path_for
from kairos.kinds.reddit.run import RedditServices
from kairos.store.sqlalchemy.store import SqlStore
from tests.fake_reddit import FakeReddit
from tests.integration.helpers import workspace_id
from tests.integration.reddit.conftest import Runner, ffprobe_streams, media_files


@pytest.fixture
def database_url(sqlite_only: str) -> str:
    return sqlite_only


def test_galleries_keep_their_order_and_count_the_failed_item(fake: FakeReddit, run: Runner, store: SqlStore,
                                                               ws: str) -> None:
    gallery = fake.corpus.make_post("technology", "gallery")
    outcome = run(limit=1, scrape_comments=False)
    media = outcome.items[0]["media"]
    assert [m["position"] for m in media] == [0, 1, 2]
    assert [m["status"] for m in media] == ["stored", "failed", "stored"]
    order = [item["media_id"] for item in gallery.data["gallery_data"]["items"]]
    assert [m["source_url"].split("/p/")[1].split(".")[0] if m["source_url"] else "" for m in media] == [
        order[0], "", order[2]]
    assert outcome.result["media_downloaded"] == 2 and outcome.result["media_failed"] == 1
    # raw_json=1: the URLs came unescaped (no &amp;), so they could be fetched.
    assert "&amp;" not in media[0]["source_url"]
    rows = store.job_media(ws, run.last_ctx.job_id)  # type: ignore[union-attr]
    assert [(r.position, r.status) for r in rows] == [(0, "stored"), (1, "failed"), (2, "stored")]


def test_two_posts_sharing_an_image_store_one_file_fetched_once(fake: FakeReddit, run: Runner,
                                                                services_root: Path) -> None:
    fake.corpus.make_post("technology", "image", share_image="shared.png")
    fake.corpus.make_post("technology", "image", share_image="shared.png")
    crosspost = fake.corpus.make_post("technology", "crosspost")
    outcome = run(limit=3, scrape_comments=False)
    shas = [item["media"][0]["sha256"] for item in outcome.items]
    assert shas[1] == shas[2] and outcome.items[0]["crosspost_parent"] == crosspost.data["crosspost_parent"]
    assert len([r for r in fake.requests if r.path == "/i/shared.png"]) == 1
    assert outcome.result["media_downloaded"] == 2
    again = run(limit=3, scrape_comments=False)
    assert again.result["media_downloaded"] == 0
    assert len([r for r in fake.requests if r.path.startswith("/i/")]) == 2  # nothing fetched twice
    files = media_files(services_root)
    assert len(files) == 2
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name == str(path.relative_to(
            services_root)).split("/")[-1]
        assert path == path_for(services_root, path.name)


def test_a_video_is_merged_with_the_best_audio_the_manifest_names(fake: FakeReddit, run: Runner,
                                                                  services_root: Path) -> None:
    with_audio = fake.corpus.make_post("technology", "video", audio=True)
    silent = fake.corpus.make_post("technology", "video", audio=False)
    outcome = run(limit=2, scrape_comments=False)
    by_id = {item["id"]: item["media"][0] for item in outcome.items}
    merged = by_id[with_audio.id]
    assert merged["status"] == "stored" and merged["mime"] == "video/mp4"
    streams = ffprobe_streams(path_for(services_root, merged["sha256"]))
    assert "Video: h264" in streams and "Audio: aac" in streams
    assert "480" in streams  # the best of the manifest's two heights
    audio_name = fake.corpus.videos[f"v{with_audio.id}"]["audio_name"]
    fetched = [r.path.rsplit("/", 1)[1] for r in fake.requests if r.path.startswith(f"/v/v{with_audio.id}/")]
    assert fetched == ["DASHPlaylist.mpd", "DASH_480.mp4", audio_name]
    assert by_id[silent.id]["status"] == "video_only" and "no audio track" in by_id[silent.id]["note"]
    assert "Audio" not in ffprobe_streams(path_for(services_root, by_id[silent.id]["sha256"]))


def test_without_ffmpeg_the_video_is_kept_and_says_why(fake: FakeReddit, run: Runner) -> None:
    run.services = dataclasses.replace(run.services, settings=dataclasses.replace(run.services.settings,
                                                                                  ffmpeg="off"))
    fake.corpus.make_post("technology", "video", audio=True)
    media = run(limit=1, scrape_comments=False).items[0]["media"][0]
    assert media["status"] == "video_only" and "no ffmpeg" in media["note"]


def test_a_file_another_workspace_holds_counts_as_downloaded_here(fake: FakeReddit, store: SqlStore,
                                                                  services: RedditServices,
                                                                  services_root: Path) -> None:
    fake.corpus.make_post("technology", "image")
    first = Runner(store, services, workspace_id(store, "alpha"))(limit=1, scrape_comments=False)
    second = Runner(store, services, workspace_id(store, "beta"))(limit=1, scrape_comments=False)
    # Each workspace fetched the picture and now has it; the shared folder keeps one copy.
    assert first.result["media_downloaded"] == 1 and second.result["media_downloaded"] == 1
    assert len(media_files(services_root)) == 1
    assert not list((services_root / ".incoming").glob(".part-*"))


def test_a_broken_media_host_fails_its_media_row_not_the_job(fake: FakeReddit, run: Runner) -> None:
    from tests.fake_reddit.server import Reply

    image = fake.corpus.make_post("technology", "image")
    video = fake.corpus.make_post("technology", "video", audio=True)
    fake.media_replies[f"/i/{image.id}.png"] = Reply(200, b"\x89PNG partial", {"Content-Type": "image/png"},
                                                     length=100_000)
    fake.media_replies[f"/v/v{video.id}/DASHPlaylist.mpd"] = Reply(302, b"", {"Location": "ftp://127.0.0.1/x"})
    outcome = run(limit=2, scrape_comments=False)
    by_id = {item["id"]: item["media"][0] for item in outcome.items}
    assert by_id[image.id]["status"] == "failed" and "broke off" in by_id[image.id]["note"]
    assert by_id[video.id]["status"] == "video_only" and "redirect" in by_id[video.id]["note"]
    assert outcome.result["media_failed"] == 1 and outcome.result["media_downloaded"] == 1


def test_only_pictures_and_video_are_stored_and_pictures_have_the_smaller_cap(fake: FakeReddit,
                                                                              run: Runner) -> None:
    from tests.fake_reddit.server import Reply

    run.services = dataclasses.replace(run.services, settings=dataclasses.replace(
        run.services.settings, ffmpeg="off", image_max_bytes=40))
    page = fake.corpus.make_post("technology", "image")
    fake.media_replies[f"/i/{page.id}.png"] = Reply(200, b"<html>imgur</html>",
                                                    {"Content-Type": "text/html; charset=utf-8"})
    big = fake.corpus.make_post("technology", "image")  # a real PNG, larger than 40 bytes
    video = fake.corpus.make_post("technology", "video", audio=False)  # kilobytes, under the video cap
    outcome = run(limit=3, scrape_comments=False)
    by_id = {item["id"]: item["media"][0] for item in outcome.items}
    assert by_id[page.id]["status"] == "failed" and "text/html" in by_id[page.id]["note"]
    assert by_id[big.id]["status"] == "failed" and "larger than 40 bytes" in by_id[big.id]["note"]
    assert by_id[video.id]["status"] == "video_only" and by_id[video.id]["mime"] == "video/mp4"
    assert outcome.result["media_downloaded"] == 1 and outcome.result["media_failed"] == 2


def _fake_ffmpeg(tmp_path: Path, script: str, *, executable: bool = True, name: str = "ffmpeg") -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755 if executable else 0o644)
    return str(path)


def test_an_ffmpeg_that_cannot_start_or_hangs_leaves_the_video_alone(fake: FakeReddit, run: Runner,
                                                                     tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from kairos.kinds.reddit import dash

    monkeypatch.setattr(dash, "MERGE_TIMEOUT_SECONDS", 0.5)
    broken = _fake_ffmpeg(tmp_path, "exit 0", executable=False, name="not-executable")
    for ffmpeg, why in ((broken, "could not be started"),
                        (_fake_ffmpeg(tmp_path, "exec sleep 30"), "took longer than 0.5 s")):
        run.services = dataclasses.replace(run.services, settings=dataclasses.replace(run.services.settings,
                                                                                      ffmpeg=ffmpeg))
        fake.corpus.make_post("technology", "video", audio=True)
        media = run(limit=1, scrape_comments=False).items[0]["media"][0]
        assert media["status"] == "video_only" and why in media["note"], media


def test_a_cancel_stops_a_merge_at_once(fake: FakeReddit, run: Runner, tmp_path: Path) -> None:
    import time

    from kairos.domain.finish import CancelReason
    from kairos.exceptions import JobCancelled

    started = tmp_path / "merging"
    ffmpeg = _fake_ffmpeg(tmp_path, f"touch {started}\nexec sleep 30")
    run.services = dataclasses.replace(run.services, settings=dataclasses.replace(run.services.settings,
                                                                                  ffmpeg=ffmpeg))
    fake.corpus.make_post("technology", "video", audio=True)
    payload, ctx = run.context(limit=1, scrape_comments=False)
    thread = run.in_background(payload, ctx)
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    ctx.cancel(CancelReason.REQUESTED)
    began = time.monotonic()
    thread.join(10)
    assert time.monotonic() - began < 2
    assert thread.raised and isinstance(thread.raised[0], JobCancelled)
