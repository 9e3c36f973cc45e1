"""`/reddit/posts`: the stored corpus of the workspace, and one post with its comment tree."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from kairos.api.deps import PageDep, StoreDep, Viewer
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.common import Problem
from kairos.api.schemas.reddit import RedditPostList, RedditPostPublic
from kairos.domain.reddit import PostFilters
from kairos.exceptions import InvalidInput
from kairos.store.reddit import StoredPost

router = APIRouter(route_class=StrictJSONRoute, tags=["reddit"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})


# Keys the API itself sets: a stored item (a plugin's output from before plugins were checked)
# never overrides them.
_OWN_KEYS = ("comments", "first_seen_at", "last_seen_at")


def post_public(post: StoredPost, *, comments: list[dict[str, Any]] | None = None) -> RedditPostPublic:
    item = {key: value for key, value in post.item.items() if key not in _OWN_KEYS}
    return RedditPostPublic(**item, first_seen_at=post.first_seen_at, last_seen_at=post.last_seen_at,
                            comments=comments)


def comment_tree(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored comment rows, oldest first, nested again under their parents."""
    nodes = {row["id"]: {**row, "replies": []} for row in rows}
    roots: list[dict[str, Any]] = []
    for node in nodes.values():
        parent = str(node.get("parent_id") or "")
        holder = nodes.get(parent[3:]) if parent.startswith("t1_") else None
        (holder["replies"] if holder is not None else roots).append(node)
    return roots


@router.get("/reddit/posts", response_model=RedditPostList, summary="Stored Reddit posts, newest first")
def list_posts(
    access: Viewer, store: StoreDep, page: PageDep,
    subreddit: Annotated[str | None, Query(max_length=100)] = None,
    author: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in the title")] = None,
    since: Annotated[datetime | None, Query(description="Posts created at or after this instant")] = None,
    schedule_id: Annotated[str | None, Query(max_length=64, description="Posts this schedule has fetched")] = None,
) -> RedditPostList:
    if since is not None and since.tzinfo is None:
        raise InvalidInput.field(("query", "since"), "must carry a time zone (for example a trailing Z)")
    filters = PostFilters(subreddit=subreddit.removeprefix("r/") if subreddit else None,
                          author=author.removeprefix("u/") if author else None, q=q, since=since,
                          schedule_id=schedule_id)
    return RedditPostList.of_page(store.list_reddit_posts(access.workspace.id, filters, page), post_public)


@router.get("/reddit/posts/{post_id}", response_model=RedditPostPublic,
            summary="A stored post (Reddit's base-36 id) with its comment tree")
def get_post(post_id: str, access: Viewer, store: StoreDep) -> RedditPostPublic:
    reddit_id = post_id.removeprefix("t3_").lower()
    post = store.get_reddit_post(access.workspace.id, reddit_id)
    rows = store.reddit_comment_rows(access.workspace.id, reddit_id)
    return post_public(post, comments=comment_tree(rows))
