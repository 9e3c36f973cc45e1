"""Celery links: sources of beat schedules, publishing, events, and Kairos as the beat.

`kairos.integrations.celery:KairosScheduler` is the beat scheduler (`celery beat -S …`); it is
loaded on first use so that the rest of Kairos runs without Celery installed.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "KairosScheduler":
        from kairos.integrations.celery.beat import KairosScheduler

        return KairosScheduler
    raise AttributeError(name)
