"""The part of the Store contract for webhook deliveries: durable rows, claimed and retried by the delivery loop."""

from __future__ import annotations

from typing import Protocol


class DeliveryStore(Protocol):
    """Webhook deliveries: durable rows, claimed and retried by the delivery loop."""
