"""v.redd.it's DASH manifests: which video and audio tracks there are, and where.

Track file names have changed over the years (DASH_720.mp4, DASH_audio.mp4, DASH_AUDIO_128.mp4,
CMAF_AUDIO_128.mp4), so they are read from the manifest, never guessed.
"""

from __future__ import annotations

import subprocess
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from kairos.kinds.context import TaskContext

MAX_MANIFEST_BYTES = 1024 * 1024
MERGE_TIMEOUT_SECONDS = 600.0
POLL_SECONDS = 0.2  # how soon a cancel stops a merge


@dataclass(frozen=True)
class Track:
    url: str
    bandwidth: int
    height: int
    mime: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _base(element: ET.Element, inherited: str) -> str:
    found = _children(element, "BaseURL")
    return urljoin(inherited, (found[0].text or "").strip()) if found and found[0].text else inherited


def parse_manifest(text: str, manifest_url: str) -> tuple[list[Track], list[Track]]:
    """(video tracks, audio tracks) of a manifest, best first."""
    root = ET.fromstring(text)
    base = _base(root, manifest_url)
    videos: list[Track] = []
    audios: list[Track] = []
    for period in _children(root, "Period"):
        period_base = _base(period, base)
        for adaptation in _children(period, "AdaptationSet"):
            set_base = _base(adaptation, period_base)
            set_type = adaptation.get("contentType") or (adaptation.get("mimeType") or "").split("/")[0]
            for rep in _children(adaptation, "Representation"):
                mime = rep.get("mimeType") or adaptation.get("mimeType") or ""
                kind = set_type or mime.split("/")[0]
                url = _base(rep, set_base)
                if url == set_base:
                    continue  # no file of its own (segment templates are not used by v.redd.it)
                track = Track(url=url, bandwidth=int(rep.get("bandwidth") or 0),
                              height=int(rep.get("height") or 0), mime=mime or f"{kind}/mp4")
                (audios if kind == "audio" else videos if kind == "video" else []).append(track)
    videos.sort(key=lambda t: (t.height, t.bandwidth), reverse=True)
    audios.sort(key=lambda t: t.bandwidth, reverse=True)
    return videos, audios


def ffmpeg_path(setting: str) -> str | None:
    """The ffmpeg to merge with: the configured one, else imageio-ffmpeg's; None when off."""
    if setting.lower() == "off":
        return None
    if setting:
        return setting if Path(setting).exists() else None
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return None


def merge(ffmpeg: str, video: Path, audio: Path, out: Path, ctx: TaskContext) -> str | None:
    """Mux the two tracks without re-encoding; None on success, else why not (ffmpeg's complaint,
    or that it could not start or took too long). A cancel stops ffmpeg and raises `JobCancelled`."""
    try:
        process = subprocess.Popen(
            [ffmpeg, "-v", "error", "-y", "-i", str(video), "-i", str(audio), "-map", "0:v:0", "-map", "1:a:0",
             "-c", "copy", "-movflags", "+faststart", str(out)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as exc:
        return f"ffmpeg could not be started: {exc}"
    deadline = time.monotonic() + MERGE_TIMEOUT_SECONDS
    try:
        while True:
            try:
                _, stderr = process.communicate(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                ctx.check_cancelled()
                if time.monotonic() > deadline:
                    return f"ffmpeg took longer than {MERGE_TIMEOUT_SECONDS:g} s"
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    if process.returncode != 0 or not out.exists():
        return (stderr.decode(errors="replace").strip().splitlines() or ["ffmpeg failed"])[-1]
    return None
