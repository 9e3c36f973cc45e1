"""The part of the Store contract for strategies, the items each job extracted, and which changes a user has seen."""

from __future__ import annotations

from typing import Protocol


class ScrapeStore(Protocol):
    """Strategies, the items each job extracted, and which changes a user has seen."""
