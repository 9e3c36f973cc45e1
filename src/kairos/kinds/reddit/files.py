"""Media bytes, stored once per SHA-256 under `<data dir>/media/ab/cd/<sha256>`."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from kairos import outbound
from kairos.exceptions import JobCancelled
from kairos.kinds.context import TaskContext
from kairos.settings import Settings


class DownloadFailed(Exception):
    """A media file could not be fetched; the message says why (kept on the media row)."""


@dataclass(frozen=True)
class Download:
    path: Path  # a temporary file; the caller stores or removes it
    mime: str | None


def media_root(settings: Settings) -> Path:
    return settings.data_dir / "media"


def path_for(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def download(http: httpx.Client, url: str, folder: Path, *, max_bytes: int, ctx: TaskContext,
             user_agent: str) -> Download:
    """Stream `url` to a temporary file in `folder`, at most `max_bytes`."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        request = http.build_request("GET", url, headers={"User-Agent": user_agent})
        response = outbound.send(http, request, stream=True)
    except (httpx.HTTPError, outbound.RedirectRefused) as exc:
        raise DownloadFailed(f"could not fetch {url}: {exc}") from exc
    handle, name = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            if response.status_code != 200:
                raise DownloadFailed(f"{url} answered HTTP {response.status_code}")
            size = 0
            try:
                for chunk in response.iter_bytes(1024 * 256):
                    if ctx.cancelled:
                        raise JobCancelled(ctx.cancel_reason or "cancelled")
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadFailed(f"{url} is larger than {max_bytes} bytes")
                    out.write(chunk)
            except (httpx.HTTPError, httpx.StreamError) as exc:  # a timeout, a body that broke off
                raise DownloadFailed(f"{url} broke off after {size} bytes: {exc}") from exc
        mime = response.headers.get("content-type", "").split(";")[0].strip() or None
        return Download(path=Path(name), mime=mime)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    finally:
        response.close()


def store_file(root: Path, temporary: Path) -> tuple[str, int]:
    """Move a downloaded file to its content address: (sha256, size).

    The file is hard-linked into place, so two jobs storing the same bytes at once never overwrite
    each other and a reader sees the whole file or none; whether it counts as a new download is
    the workspace's business (its media rows), not the shared folder's.
    """
    digest = hashlib.sha256()
    with temporary.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    sha = digest.hexdigest()
    size = temporary.stat().st_size
    target = path_for(root, sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(temporary, target)
    except FileExistsError:
        pass  # the same bytes are there already
    except OSError:
        # A filesystem without hard links: replacing with identical bytes is still atomic.
        os.replace(temporary, target)
    temporary.unlink(missing_ok=True)
    return sha, size
