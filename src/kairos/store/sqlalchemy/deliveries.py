"""Webhook deliveries: enqueued with the job's outcome, claimed and retried."""

from __future__ import annotations

from kairos.store.sqlalchemy.database import Database


class DeliveryStoreMixin:
    db: Database
