"""Building schedules for store tests the way the API does, and ending jobs the way workers do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kairos.domain.definition import Limits, build_schedule
from kairos.domain.finish import JobOutcome
from kairos.domain.jobs import Job
from kairos.domain.schedules import Schedule
from kairos.engine.finish import JobFinisher
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


def finish(store: Any, job: Job, owner: str, outcome: JobOutcome, now: datetime | None = None) -> bool:
    """End `job`'s run as a worker does (plan with `plan_finish`, write it); False if `owner` lost it."""
    return JobFinisher(store).finish(job, owner, outcome, now) is not None
