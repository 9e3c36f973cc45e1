"""Media bytes, stored once per SHA-256 under `<data dir>/media/ab/cd/<sha256>`."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
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


# RFC 6838 names, bounded so that a row's `mime` (100 characters) always holds one.
MIME_PATTERN = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,30}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}")


def media_type(content_type: str) -> str | None:
    """`type/subtype` of a Content-Type header, lower case, or None when it is not one (a remote
    host writes what it likes there; only a well-formed, bounded value is kept)."""
    value = content_type.split(";")[0].strip().lower()
    return value if MIME_PATTERN.fullmatch(value) else None


def media_root(settings: Settings) -> Path:
    return settings.data_dir / "media"


def path_for(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def download(http: httpx.Client, url: str, folder: Path, *, limits: Mapping[str, int], ctx: TaskContext,
             user_agent: str) -> Download:
    """Stream `url` to a temporary file in `folder`. `limits` maps the media types accepted
    ("image", "video", "audio") to their size caps: any other Content-Type (an HTML page where a
    picture was expected) is a `DownloadFailed`, and so is a file past its type's cap."""
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
            mime = media_type(response.headers.get("content-type", ""))
            major = mime.split("/")[0] if mime else ""
            if major not in limits:
                raise DownloadFailed(f"{url} is {mime or 'of no stated type'}, not "
                                     f"{' or '.join(sorted(limits))}")
            max_bytes = limits[major]
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
