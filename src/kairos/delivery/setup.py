"""Building the delivery loop from the settings (called once, by the Runtime)."""

from __future__ import annotations

from kairos.delivery.backoff import Backoff, parse_delays
from kairos.delivery.deliverer import Deliverer
from kairos.outbound import make_client
from kairos.settings import Settings
from kairos.store.base import Store


def build_deliverer(settings: Settings, store: Store) -> Deliverer:
    return Deliverer(
        store,
        make_client(allow_private_networks=settings.allow_private_networks),
        backoff=Backoff(delays=parse_delays(settings.webhook_backoff_seconds)),
        concurrency=settings.webhook_concurrency,
        timeout_seconds=settings.webhook_timeout_seconds,
        base_url=settings.public_url or None,
    )
