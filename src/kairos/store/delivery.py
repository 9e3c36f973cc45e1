"""The part of the Store contract for webhook deliveries: durable rows, claimed and retried by the delivery loop.

Who writes what:
- `finish_job` inserts a delivery, in the transaction that records the job's end, when the job's
  schedule has a `webhook_url`. The body is built then and never changes, so every attempt sends
  the same `webhook-id` and the same bytes.
- the delivery loop claims due deliveries under a lease (`claim_deliveries`), and records each
  attempt with `record_delivery_attempt` only while it still holds that lease.
- the API lists deliveries and may make a failed one due again (`retry_delivery`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from kairos.store.pages import Page, PageResult
from kairos.timeutil import ensure_aware


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


# What an attempt says until its answer is recorded: if it stays, the sender died mid-attempt (the
# receiver may have had the webhook) and the delivery is sent again, with the same webhook-id.
# How much of a receiver's answer an attempt keeps, to show what came back (bytes, decoded as text).
MAX_RESPONSE_BYTES = 2048
UNANSWERED = "no answer recorded: the attempt is in flight, or its sender stopped before it ended"


@dataclass(frozen=True, kw_only=True)
class DeliveryAttempt:
    """One try at sending a delivery: when, what the receiver answered, how long it took."""

    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
    # The start of what the receiver answered (at most MAX_RESPONSE_BYTES, as text), None if nothing came.
    response_body: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", ensure_aware(self.at, "at"))

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "status_code": self.status_code, "error": self.error,
                "duration_ms": self.duration_ms, "response_body": self.response_body}

    @classmethod
    def unanswered(cls, at: datetime) -> DeliveryAttempt:
        """The attempt recorded as a delivery is claimed, before it is sent; its answer replaces it."""
        return cls(at=at, status_code=None, error=UNANSWERED, duration_ms=0)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> DeliveryAttempt:
        return cls(at=datetime.fromisoformat(raw["at"]), status_code=raw.get("status_code"),
                   error=raw.get("error"), duration_ms=int(raw.get("duration_ms") or 0),
                   response_body=raw.get("response_body"))


@dataclass(frozen=True, kw_only=True)
class Delivery:
    id: str
    workspace_id: str
    schedule_id: str
    job_id: str | None
    event: str
    status: DeliveryStatus
    attempt_count: int = 0
    next_attempt_at: datetime | None = None
    attempts: list[DeliveryAttempt] = field(default_factory=list)
    # The JSON body sent to standard receivers, exactly as signed.
    body: str
    # What a Slack message needs beyond the body: the schedule's name and the added/removed items.
    summary: dict[str, Any] = field(default_factory=dict)
    created_at: datetime
    delivered_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("next_attempt_at", "created_at", "delivered_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, ensure_aware(value, name))


@dataclass(frozen=True, kw_only=True)
class DeliveryTask:
    """A claimed delivery with where to send it now: the schedule's *current* URL and secret."""

    delivery: Delivery
    url: str | None
    webhook_type: str
    secret: str | None


class AttemptResult(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


class DeliveryStore(Protocol):
    """Webhook deliveries: durable rows, claimed and retried by the delivery loop."""

    def claim_deliveries(
        self, owner: str, now: datetime, limit: int, lease_seconds: float
    ) -> list[DeliveryTask]: ...

    def record_delivery_attempt(
        self, delivery_id: str, owner: str, attempt: DeliveryAttempt, result: AttemptResult,
        next_attempt_at: datetime | None,
    ) -> bool: ...

    def list_deliveries(
        self, workspace_id: str, schedule_id: str, page: Page
    ) -> PageResult[Delivery]: ...

    def get_delivery(self, workspace_id: str, schedule_id: str, delivery_id: str) -> Delivery: ...

    def retry_delivery(
        self, workspace_id: str, schedule_id: str, delivery_id: str, now: datetime
    ) -> Delivery: ...
