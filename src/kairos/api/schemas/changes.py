"""What `GET /schedules/{id}/changes` answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from kairos.api.schemas.common import Timestamp


class ChangedJobPublic(BaseModel):
    job_id: str
    status: Literal["completed"] = "completed"
    completed_at: Timestamp
    content_hash: str | None
    item_count: int | None
    has_changes: bool = True
    seen: bool = Field(description="Marked seen by this call (with history=true: marked seen at any time)")
    results: list[Any] = Field(description="The job's items that match the filter (all without one)")
    added: list[Any] = Field(description="Matching items that the previous run did not have")
    removed: list[Any] = Field(description="Matching items of the previous run that this run lost")


class ChangesResponse(BaseModel):
    schedule_id: str
    changes: list[ChangedJobPublic]
    count: int = Field(description="How many jobs `changes` holds")
    marked_seen: bool = Field(description="Whether this call marked the runs it examined as seen")
    marked_count: int = Field(description="How many runs this call marked seen, those a filter left out included")
    filter_applied: str | None
