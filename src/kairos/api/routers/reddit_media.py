"""`/jobs/{id}/media` (a job's media rows) and `/media/{sha256}` (a stored file), workspace-scoped."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from kairos.api.deps import SettingsDep, StoreDep, Viewer
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.common import Problem
from kairos.api.schemas.reddit import MediaList, MediaPublic
from kairos.domain.reddit import RedditMedia
from kairos.exceptions import MediaNotFound
from kairos.kinds.reddit.files import media_root, path_for

router = APIRouter(route_class=StrictJSONRoute, tags=["reddit"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})
SHA256 = re.compile(r"[0-9a-f]{64}")
MEDIA_EXAMPLE = "https://i.redd.it/0f6tq4bdzxpe1"  # where such a file came from (`source_url`)


def media_public(media: RedditMedia, request: Request) -> MediaPublic:
    url = None
    if media.sha256:
        url = str(request.url_for("get_media", workspace=request.path_params["workspace"], sha256=media.sha256).path)
    return MediaPublic(post_id=media.post_id, position=media.position, kind=media.kind,
                       status=media.status,
                       sha256=media.sha256, mime=media.mime, size=media.size, source_url=media.source_url,
                       note=media.note, url=url)


@router.get("/jobs/{job_id}/media", response_model=MediaList, summary="The media a reddit job met")
def job_media(job_id: str, request: Request, access: Viewer, store: StoreDep) -> MediaList:
    store.get_job(access.workspace.id, job_id)  # a 404 for another workspace's job
    rows = store.job_media(access.workspace.id, job_id)
    return MediaList(items=[media_public(row, request) for row in rows], total=len(rows), has_more=False)


@router.get("/media/{sha256}", response_class=FileResponse, summary="A stored media file",
            responses={200: {"content": {media: {
                "schema": {"type": "string", "format": "binary"},
                "examples": {"file": {"summary": "The file's bytes, as Reddit's host served them",
                                      "externalValue": f"{MEDIA_EXAMPLE}.{ext}"}}}
                for media, ext in (("image/*", "jpg"), ("video/mp4", "mp4"))}}})
def get_media(sha256: str, access: Viewer, store: StoreDep, settings: SettingsDep) -> FileResponse:
    if not SHA256.fullmatch(sha256):
        raise MediaNotFound(sha256)
    found = store.media_file(access.workspace.id, sha256)
    path = path_for(media_root(settings), sha256)
    if found is None or not path.is_file():
        raise MediaNotFound(sha256)
    # The type came from a remote host: only plain pictures and videos are shown inline, anything
    # else (SVG, HTML) is a download, so a file can never run script in the dashboard's origin.
    mime = found.mime or "application/octet-stream"
    inline = mime.startswith(("image/", "video/", "audio/")) and "svg" not in mime
    headers = {"Cache-Control": "private, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "default-src 'none'; sandbox"}
    return FileResponse(path, media_type=mime if inline else "application/octet-stream", headers=headers,
                        content_disposition_type="inline" if inline else "attachment",
                        filename=None if inline else sha256)
