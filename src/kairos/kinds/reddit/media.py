"""Fetching a post's media: each item once per media id, stored once per SHA-256.

A media id already stored in the workspace is not fetched again (its row is copied for the new
post). A v.redd.it video is read from its DASH manifest: best video, best audio, merged by ffmpeg;
without an audio track, or without ffmpeg, the video is kept alone (status `video_only`) and the
row says why.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from kairos import outbound
from kairos.domain.reddit import RedditMedia
from kairos.kinds.context import TaskContext
from kairos.kinds.reddit.dash import MAX_MANIFEST_BYTES, Track, merge, parse_manifest
from kairos.kinds.reddit.files import DownloadFailed, download, store_file
from kairos.kinds.reddit.media_refs import MediaRef
from kairos.store.reddit import RedditStore


@dataclass
class MediaFetcher:
    http: httpx.Client
    store: RedditStore
    workspace_id: str
    root: Path
    ffmpeg: str | None
    image_max_bytes: int
    video_max_bytes: int
    user_agent: str
    ctx: TaskContext
    seen: dict[str, RedditMedia] = field(default_factory=dict)  # this run's media, by media id
    counted: set[str] = field(default_factory=set)  # this run's new files, by SHA-256
    new_files: int = 0
    failed: int = 0

    def fetch(self, post_id: str, ref: MediaRef) -> RedditMedia:
        known = self.seen.get(ref.media_key) or self.store.stored_media(self.workspace_id, ref.media_key)
        if known is not None:
            row = replace(known, post_id=post_id, position=ref.position)
        elif ref.failed:
            row = self._row(post_id, ref, status="failed", note=ref.failed)
        else:
            try:
                row = self._video(post_id, ref) if ref.kind == "video" and ref.dash_url else self._file(post_id, ref)
            except DownloadFailed as exc:
                row = self._row(post_id, ref, status="failed", note=str(exc))
        if row.status == "failed":
            self.failed += 1
        else:
            self.seen[ref.media_key] = row
        return row

    def _row(self, post_id: str, ref: MediaRef, **values: object) -> RedditMedia:
        return RedditMedia(post_id=post_id, position=ref.position, media_key=ref.media_key, kind=ref.kind,
                           source_url=ref.url, **values)  # type: ignore[arg-type]

    def _keep(self, temporary: Path) -> tuple[str, int]:
        sha, size = store_file(self.root, temporary)
        # New to this workspace when none of its rows holds these bytes yet (rows of this run are
        # saved in batches, so the run remembers its own): another workspace having the same file
        # neither hides this download nor is told.
        if sha not in self.counted and self.store.media_file(self.workspace_id, sha) is None:
            self.counted.add(sha)
            self.new_files += 1
        return sha, size

    def _get(self, url: str, folder: Path, *types: str) -> Path:
        """A DASH track: video tracks must be video, audio tracks audio (v.redd.it often labels
        them video/mp4 too)."""
        limits = {kind: self.video_max_bytes for kind in types}
        return download(self.http, url, folder, limits=limits, ctx=self.ctx, user_agent=self.user_agent).path

    def _file(self, post_id: str, ref: MediaRef) -> RedditMedia:
        # Pictures are capped lower than videos; a .gifv or a gif may well be served as video.
        limits = {"image": self.image_max_bytes, "video": self.video_max_bytes}
        got = download(self.http, ref.url, self.root / ".incoming", limits=limits, ctx=self.ctx,
                       user_agent=self.user_agent)
        sha, size = self._keep(got.path)
        return self._row(post_id, ref, status="stored", sha256=sha, size=size, mime=got.mime)

    def _tracks(self, ref: MediaRef) -> tuple[list[Track], list[Track]]:
        assert ref.dash_url is not None
        try:
            response = outbound.request(self.http, "GET", ref.dash_url, headers={"User-Agent": self.user_agent})
        except (httpx.HTTPError, outbound.RedirectRefused) as exc:
            raise DownloadFailed(f"could not fetch the DASH manifest: {exc}") from exc
        if response.status_code != 200 or len(response.content) > MAX_MANIFEST_BYTES:
            raise DownloadFailed(f"the DASH manifest answered HTTP {response.status_code}")
        try:
            return parse_manifest(response.text, ref.dash_url)
        except Exception as exc:  # a manifest that is not XML, or not DASH
            raise DownloadFailed(f"the DASH manifest could not be read: {exc}") from exc

    def _video(self, post_id: str, ref: MediaRef) -> RedditMedia:
        try:
            videos, audios = self._tracks(ref)
        except DownloadFailed as exc:
            videos, audios, why = [], [], f"{exc}; kept the fallback video without sound"
        else:
            why = "the video has no audio track"
        with tempfile.TemporaryDirectory(dir=self._incoming()) as work:
            folder = Path(work)
            video = self._get(videos[0].url if videos else ref.url, folder, "video")
            if audios and self.ffmpeg is None:
                why = "no ffmpeg to merge the audio track (set KAIROS_REDDIT_FFMPEG or install imageio-ffmpeg)"
            elif audios:
                try:
                    audio = self._get(audios[0].url, folder, "audio", "video")
                    merged = folder / "merged.mp4"
                    assert self.ffmpeg is not None
                    problem = merge(self.ffmpeg, video, audio, merged, self.ctx)
                except DownloadFailed as exc:
                    problem = f"the audio track could not be fetched: {exc}"
                if problem is None:
                    sha, size = self._keep(merged)
                    return self._row(post_id, ref, status="stored", sha256=sha, size=size, mime="video/mp4")
                why = f"the audio could not be merged: {problem}"
            sha, size = self._keep(video)
            return self._row(post_id, ref, status="video_only", sha256=sha, size=size, mime="video/mp4", note=why)

    def _incoming(self) -> Path:
        folder = self.root / ".incoming"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
