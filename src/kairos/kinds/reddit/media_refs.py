"""What media a post carries, read from its data the way gallery-dl and yt-dlp read it: direct
images, galleries in `gallery_data` order (media_metadata is an unordered object), v.redd.it
videos, and a crosspost's media from its parent. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

# A media row's key column holds 1000 characters; keys are built from remote URLs and ids.
MAX_KEY_LENGTH = 1000
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp")
IMAGE_HOSTS = ("i.redd.it", "i.imgur.com")


@dataclass(frozen=True, kw_only=True)
class MediaRef:
    position: int
    media_key: str
    kind: str  # image | gif | gallery_image | video
    url: str
    dash_url: str | None = None
    failed: str | None = None  # Reddit itself lists the item as not there


def bounded_key(key: str) -> str:
    """`key` itself, or when it is longer than a row holds, a hash that stays unique to it."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _gallery(data: dict[str, Any]) -> list[MediaRef]:
    metadata = data.get("media_metadata") or {}
    refs = []
    for position, entry in enumerate((data.get("gallery_data") or {}).get("items") or []):
        media_id = str(entry.get("media_id"))
        meta = metadata.get(media_id) or {}
        source = meta.get("s") or {}
        url = source.get("u") or source.get("mp4") or source.get("gif")
        if meta.get("status") != "valid" or not url:
            refs.append(MediaRef(position=position, media_key=media_id, kind="gallery_image", url="",
                                 failed=f"Reddit lists gallery item {media_id} as {meta.get('status') or 'missing'}"))
            continue
        kind = "gif" if meta.get("e") == "AnimatedImage" else "gallery_image"
        refs.append(MediaRef(position=position, media_key=media_id, kind=kind, url=str(url)))
    return refs


def _video(data: dict[str, Any]) -> list[MediaRef]:
    video = ((data.get("secure_media") or {}).get("reddit_video")
             or (data.get("media") or {}).get("reddit_video") or {})
    fallback = video.get("fallback_url")
    if not fallback:
        return []
    video_id = urlsplit(str(data.get("url") or fallback)).path.strip("/").split("/")[-1] or str(fallback)
    return [MediaRef(position=0, media_key=f"v.redd.it/{video_id}", kind="gif" if video.get("is_gif") else "video",
                     url=str(fallback), dash_url=video.get("dash_url"))]


def _image(data: dict[str, Any]) -> list[MediaRef]:
    url = str(data.get("url") or "")
    parts = urlsplit(url)
    is_image = (data.get("post_hint") == "image" or parts.path.lower().endswith(IMAGE_EXTENSIONS)
                or data.get("domain") in IMAGE_HOSTS)
    if not url or not is_image:
        return []
    kind = "gif" if parts.path.lower().endswith(".gif") else "image"
    # The same picture posted twice has one URL: its key, without any query, says so.
    return [MediaRef(position=0, media_key=f"{parts.netloc}{parts.path}", kind=kind, url=url)]


def media_refs(data: dict[str, Any]) -> list[MediaRef]:
    source = (data.get("crosspost_parent_list") or [data])[0] or data
    if source.get("is_gallery"):
        refs = _gallery(source)
    elif source.get("is_video"):
        refs = _video(source)
    else:
        refs = _image(source)
    return [replace(ref, media_key=bounded_key(ref.media_key)) for ref in refs]
