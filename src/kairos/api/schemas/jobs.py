"""Job bodies: `JobCreate` in; `JobPublic` out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from kairos.api.schemas.common import InputBody, ListResponse, Timestamp, Url, UrlList


class JobCreate(InputBody):
    """A one-off job: the *what* fields of a schedule, plus retry and timeout settings."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"task": "kairos.sleep", "kwargs": {"seconds": 10}},
        {"callback_type": "http", "callback_id": "https://example.com/hooks/kairos"},
        {"target": "technology", "target_type": "subreddit", "mode": "full", "limit": 100},
        {"strategy_id": "<a strategy id>", "urls": ["https://example.com/a", "https://example.com/b"]},
    ]})

    kind: Literal["task", "callback", "scrape", "reddit"] | None = None
    task: str | None = None
    args: list[Any] | None = None
    kwargs: dict[str, Any] | None = None
    executor: Literal["local", "celery"] | None = None
    callback_type: Literal["workflow", "http"] | None = None
    callback_id: Url | None = None
    strategy_id: str | None = None
    url: Url | None = None
    urls: UrlList | None = None
    parameters: dict[str, Any] | None = None
    target: str | None = None
    target_type: str | None = None
    mode: str | None = None
    limit: StrictInt | None = None
    download_media: bool | None = None
    scrape_comments: bool | None = None
    plugins: list[str] | None = None
    config: dict[str, Any] | None = None
    max_attempts: StrictInt = Field(default=1, ge=1, le=100)
    retry_delay_seconds: StrictInt = Field(default=30, ge=1, le=86400)
    timeout_seconds: StrictInt | None = Field(default=None, ge=1, le=7 * 86400)


class JobPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    workspace_id: str
    schedule_id: str | None
    kind: str
    task: str | None = None
    args: list[Any] | None = None
    kwargs: dict[str, Any] | None = None
    executor: str | None = None
    callback_type: str | None = None
    callback_id: str | None = None
    strategy_id: str | None = None
    url: str | None = None
    urls: list[str] | None = None
    parameters: dict[str, Any] | None = None
    status: str
    trigger: str
    scheduled_for: Timestamp | None
    started_at: Timestamp | None
    completed_at: Timestamp | None
    duration_seconds: float | None
    progress: dict[str, Any]
    posts_scraped: int | None = None
    comments_scraped: int | None = None
    media_downloaded: int | None = None
    item_count: int | None
    result: Any = None
    error_message: str | None
    attempt: int
    max_attempts: int
    content_hash: str | None
    has_changes: bool | None
    task_id: str | None
    created_at: Timestamp


class JobList(ListResponse[JobPublic]):
    """A page of jobs."""
