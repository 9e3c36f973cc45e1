"""Serves the dashboard: a static page and its scripts, which call the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"

# The page loads nothing from another origin and runs no inline script, so a strict policy costs
# nothing and turns any escaping slip in the scripts into a blocked request instead of an injection.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # blob: for Reddit media, fetched with the session's credentials and shown from memory.
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The shell is tiny; always fetching it means a deploy never pairs an old page with new scripts.
    "Cache-Control": "no-cache",
}


class Assets(StaticFiles):
    """The dashboard's files, which the browser revalidates (a cheap 304) before each use.

    The scripts are ES modules importing each other by plain name; a browser keeping some of them
    from an older release by heuristic caching would pair old and new modules after an upgrade.
    """

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "no-cache")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


def mount(app: FastAPI) -> None:
    """Add `/static`, the `/dashboard` page and the `/` redirect to `app`."""
    app.mount("/static", Assets(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/dashboard")

    @app.get("/dashboard", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8",
                            headers=PAGE_HEADERS)
