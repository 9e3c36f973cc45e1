"""Listing pages: `/r/{sub}/new` or `/user/{name}/submitted`, 100 things a call, by `after`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kairos.kinds.reddit.client import RedditClient

PAGE_SIZE = 100  # the most Reddit gives per call


@dataclass(frozen=True)
class ListingPage:
    posts: list[dict[str, Any]]  # the data of each t3 thing, newest first
    after: str | None  # None: the listing ends here


def listing_path(target: str, target_type: str) -> str:
    return f"/user/{target}/submitted" if target_type == "user" else f"/r/{target}/new"


def pages(client: RedditClient, path: str, *, after: str | None, want: int | None) -> Iterator[ListingPage]:
    """Pages from `after` on, until `want` posts were given (None: until the listing ends)."""
    given = 0
    while want is None or given < want:
        size = PAGE_SIZE if want is None else min(PAGE_SIZE, want - given)
        params: dict[str, Any] = {"limit": size, "sort": "new"}
        if after:
            params["after"] = after
        body = client.get(path, params)
        data = body.get("data", {}) if isinstance(body, dict) else {}
        posts = [child["data"] for child in data.get("children", []) if child.get("kind") == "t3"]
        after = data.get("after")
        if want is not None:
            posts = posts[:want - given]
        given += len(posts)
        yield ListingPage(posts=posts, after=after if posts else None)
        if not posts or not after:
            return
