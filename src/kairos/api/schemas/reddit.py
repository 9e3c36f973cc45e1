"""Reddit bodies: the connection in and out (secrets never out), posts and media out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kairos.api.schemas.common import InputBody, ListResponse, Timestamp


class RedditConnectionPut(InputBody):
    """A Reddit app (https://www.reddit.com/prefs/apps): a script app with `username` and
    `password`, an app authorised by a user with its `refresh_token`, or an app alone."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"client_id": "p-jcoLKBynTLew", "client_secret": "gko_LXELoV07ZBNUXrvWZfzE3aI"},
        {"client_id": "p-jcoLKBynTLew", "client_secret": "gko_LXELoV07ZBNUXrvWZfzE3aI",
         "username": "my_bot", "password": "its password"},
    ]})

    client_id: str = Field(min_length=1, max_length=200)
    client_secret: str | None = Field(default=None, max_length=500)
    username: str | None = Field(default=None, min_length=1, max_length=200)
    password: str | None = Field(default=None, max_length=500)
    refresh_token: str | None = Field(default=None, max_length=2000)
    user_agent: str | None = Field(default=None, max_length=300)


class RedditConnectionPublic(BaseModel):
    source: Literal["workspace", "instance", "anonymous"] = Field(
        description="Whose app jobs of this workspace use: its own, the instance's, or none")
    client_id: str | None
    username: str | None = None
    has_client_secret: bool = False
    has_password: bool = False
    has_refresh_token: bool = False
    user_agent: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class MediaPublic(BaseModel):
    post_id: str
    position: int
    kind: str
    status: Literal["stored", "failed", "video_only"]
    sha256: str | None
    mime: str | None
    size: int | None
    source_url: str
    note: str | None
    url: str | None = Field(description="Where Kairos serves the file (GET /media/{sha256})")


class MediaList(ListResponse[MediaPublic]):
    """A job's media, in the order of its posts and of each gallery."""


class RedditPostPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    subreddit: str | None
    author: str | None
    title: str
    created_utc: str | None
    score: int
    num_comments: int
    first_seen_at: Timestamp
    last_seen_at: Timestamp
    comments: list[dict[str, Any]] | None = None
    media: list[dict[str, Any]] | None = None


class RedditPostList(ListResponse[RedditPostPublic]):
    """A page of the stored corpus, newest post first."""
