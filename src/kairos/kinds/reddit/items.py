"""Reddit things as Kairos keeps them: the post items of a job's results, and comment rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kairos.domain.reddit import RedditComment, RedditPost
from kairos.timeutil import isoformat_z

REMOVED_TEXTS = ("[deleted]", "[removed]")


def _when(created_utc: Any) -> str | None:
    try:
        return isoformat_z(datetime.fromtimestamp(float(created_utc), UTC))
    except (TypeError, ValueError):
        return None


def removed_state(data: dict[str, Any]) -> str | None:
    """"deleted" by its author, "removed" by moderators or Reddit, or None."""
    category = data.get("removed_by_category")
    if category == "deleted" or (data.get("author") == "[deleted]" and data.get("selftext") == "[deleted]"):
        return "deleted"
    if category or data.get("selftext") == "[removed]":
        return "removed"
    return None


def post_item(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a t3 thing a user reads and filters on; `media` and `comments` come later."""
    parent = (data.get("crosspost_parent_list") or [None])[0]
    return {
        "id": data["id"],
        "name": data.get("name") or f"t3_{data['id']}",
        "subreddit": data.get("subreddit"),
        "author": data.get("author"),
        "title": data.get("title") or "",
        "selftext": data.get("selftext") or "",
        "url": data.get("url"),
        "permalink": f"https://www.reddit.com{data['permalink']}" if data.get("permalink") else None,
        "domain": data.get("domain"),
        "created_utc": _when(data.get("created_utc")),
        "edited": _when(data["edited"]) if data.get("edited") not in (None, False) else None,
        "score": int(data.get("score") or 0),
        "upvote_ratio": data.get("upvote_ratio"),
        "num_comments": int(data.get("num_comments") or 0),
        "over_18": bool(data.get("over_18")),
        "spoiler": bool(data.get("spoiler")),
        "stickied": bool(data.get("stickied")),
        "locked": bool(data.get("locked")),
        "flair": data.get("link_flair_text"),
        "is_self": bool(data.get("is_self")),
        "is_video": bool(data.get("is_video")),
        "is_gallery": bool(data.get("is_gallery")),
        "crosspost_parent": data.get("crosspost_parent") or (parent or {}).get("name"),
        "removed": removed_state(data),
    }


def stored_post(item: dict[str, Any], data: dict[str, Any]) -> RedditPost:
    return RedditPost(reddit_id=item["id"], subreddit=str(item.get("subreddit") or ""),
                      author=str(item.get("author") or ""), title=str(item.get("title") or ""),
                      created_utc=float(data.get("created_utc") or 0), score=item["score"],
                      num_comments=item["num_comments"], item=item)


def comment_item(data: dict[str, Any], depth: int) -> dict[str, Any]:
    body = data.get("body") or ""
    return {
        "id": data["id"],
        "parent_id": data.get("parent_id"),
        "author": data.get("author"),
        "body": body,
        "score": int(data.get("score") or 0),
        "created_utc": _when(data.get("created_utc")),
        "edited": _when(data["edited"]) if data.get("edited") not in (None, False) else None,
        "depth": depth,
        "is_submitter": bool(data.get("is_submitter")),
        "stickied": bool(data.get("stickied")),
        "distinguished": data.get("distinguished"),
        "removed": body in REMOVED_TEXTS,
        "replies": [],
    }


def comment_row(item: dict[str, Any], post_id: str, created_utc: float) -> RedditComment:
    flat = {key: value for key, value in item.items() if key != "replies"}
    return RedditComment(reddit_id=item["id"], post_id=post_id, parent_id=str(item.get("parent_id") or ""),
                         author=str(item.get("author") or ""), body=str(item.get("body") or ""),
                         score=item["score"], created_utc=created_utc, depth=item["depth"], data=flat)
