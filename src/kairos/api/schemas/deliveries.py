"""Webhook bodies out: deliveries with their attempts, and a regenerated secret."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, JsonValue

from kairos.api.schemas.common import Timestamp


class DeliveryAttemptPublic(BaseModel):
    at: Timestamp
    status_code: int | None = Field(description="The receiver's HTTP status; null when none came")
    error: str | None
    duration_ms: int
    response_body: str | None = Field(default=None, description="The start of the receiver's answer (its first "
                                      "2,048 bytes as text, ' …' when there was more); null when none came")


class DeliveryPublic(BaseModel):
    id: str
    schedule_id: str
    job_id: str | None
    event: Literal["job.completed", "job.failed"] | str
    status: Literal["pending", "delivered", "failed"]
    attempt_count: int
    next_attempt_at: Timestamp | None = Field(description="When a pending delivery is tried next")
    attempts: list[DeliveryAttemptPublic]
    payload: JsonValue = Field(default=None, description="The JSON body sent (as signed); a Slack receiver "
                               "gets a message made from it")
    created_at: Timestamp
    delivered_at: Timestamp | None


class WebhookSecretPublic(BaseModel):
    schedule_id: str
    webhook_secret: str | None = Field(description="The new secret; the old one no longer signs anything "
                                                   "(null when an Idempotency-Key replays the answer)")
    secret_note: str | None = Field(default=None, description="Set on a replay: where the secret went")
