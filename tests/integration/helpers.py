"""Building schedules for store tests the way the API does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kairos.domain.definition import Limits, build_schedule
from kairos.domain.schedules import Schedule
from kairos.ids import new_id
from kairos.kinds.catalog import KINDS
from kairos.store.sqlalchemy.store import SqlStore


def workspace_id(store: SqlStore, slug: str = "default", now: datetime | None = None) -> str:
    from kairos.timeutil import utcnow

    return store.ensure_workspace(slug, slug.title(), now or utcnow()).id


def make_schedule(ws: str, now: datetime, **fields: Any) -> Schedule:
    fields.setdefault("task", "kairos.echo")
    return build_schedule(fields, schedule_id=new_id("sched"), workspace_id=ws, now=now,
                          limits=Limits(min_interval_seconds=1), kinds=KINDS.rulebook)
