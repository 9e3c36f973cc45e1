"""Converting between table rows and domain objects; nothing else knows both shapes."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import RowMapping

from kairos.domain.firing import TIMING_FIELDS, FireTiming
from kairos.domain.jobs import FIRE_STATUS_OF_JOB, Fire, FireStatus, FireTrigger, Job, JobStatus
from kairos.domain.schedules import (
    Kind,
    MisfirePolicy,
    OverlapPolicy,
    Schedule,
    ScheduleStatus,
    TriggerType,
)
from kairos.domain.strategies import FieldSpec, RequestTemplate, Strategy, StrategyType
from kairos.store.base import ApiKey, Workspace

Row = Mapping[str, Any] | RowMapping

SCHEDULE_COLUMNS = (
    "id", "workspace_id", "name", "description", "kind", "payload", "trigger_type",
    "cron_expression", "timezone", "interval_seconds", "run_at", "delay_seconds", "start_at",
    "end_at", "jitter_seconds", "misfire_policy", "misfire_grace_seconds", "overlap_policy",
    "max_attempts", "retry_delay_seconds", "timeout_seconds", "webhook_url", "webhook_type",
    "webhook_metadata", "webhook_secret", "enabled", "status", "next_run_at", "due_at",
    "last_run_at", "run_count", "scheduler", "created_at", "updated_at", "version",
)

JOB_COLUMNS = (
    "id", "workspace_id", "schedule_id", "kind", "payload", "status", "attempt", "max_attempts",
    "crashes", "retry_delay_seconds", "timeout_seconds", "scheduled_for", "run_after", "started_at",
    "completed_at", "progress", "result", "item_count", "error_message", "content_hash",
    "has_changes", "task_id", "trigger", "created_at",
)


def schedule_from_row(row: Row) -> Schedule:
    values = {name: row[name] for name in SCHEDULE_COLUMNS}
    values["kind"] = Kind(values["kind"])
    values["trigger_type"] = TriggerType(values["trigger_type"])
    values["misfire_policy"] = MisfirePolicy(values["misfire_policy"])
    values["overlap_policy"] = OverlapPolicy(values["overlap_policy"])
    values["status"] = ScheduleStatus(values["status"])
    return Schedule(**values)


# The fire path reads a thousand rows a batch: a dict lookup is several times cheaper than
# calling the enum class, and gives the same members.
_TIMING_ENUMS = {
    name: {str(member): member for member in enum}
    for name, enum in (("trigger_type", TriggerType), ("misfire_policy", MisfirePolicy),
                       ("overlap_policy", OverlapPolicy), ("status", ScheduleStatus))
}


def timing_from_row(row: Sequence[Any]) -> FireTiming:
    """The fire path's slim read of a schedule: a row of the columns `TIMING_FIELDS` names, in order."""
    values = dict(zip(TIMING_FIELDS, row, strict=True))
    for name, members in _TIMING_ENUMS.items():
        value = values[name]
        try:
            values[name] = members[value]
        except KeyError:
            raise ValueError(f"{name}: unknown value {value!r}") from None
    return FireTiming(**values)


def schedule_to_row(schedule: Schedule) -> dict[str, Any]:
    row = {name: getattr(schedule, name) for name in SCHEDULE_COLUMNS}
    for name in ("kind", "trigger_type", "misfire_policy", "overlap_policy", "status"):
        row[name] = str(row[name])
    return row


def job_from_row(row: Row) -> Job:
    values = {name: row[name] for name in JOB_COLUMNS}
    values["status"] = JobStatus(values["status"])
    return Job(**values)


def job_to_row(job: Job, *, wait_for_previous: bool = False) -> dict[str, Any]:
    row = {name: getattr(job, name) for name in JOB_COLUMNS}
    row["status"] = str(job.status)
    row["wait_for_previous"] = wait_for_previous
    row["lease_owner"] = None
    row["lease_expires_at"] = None
    return row


def fire_from_row(row: Row) -> Fire:
    if row["status"] is not None:
        status = FireStatus(row["status"])
    elif row["job_status"] is not None:
        status = FIRE_STATUS_OF_JOB[JobStatus(row["job_status"])]
    else:
        status = FireStatus.CANCELLED  # its job was deleted with the workspace's history
    return Fire(
        id=row["id"],
        schedule_id=row["schedule_id"],
        scheduled_for=row["scheduled_for"],
        fired_at=row["fired_at"],
        job_id=row["job_id"],
        task_id=row["task_id"],
        status=status,
        trigger=FireTrigger(row["trigger"]),
    )


def workspace_from_row(row: Row) -> Workspace:
    return Workspace(id=row["id"], slug=row["slug"], name=row["name"], created_at=row["created_at"])


def api_key_from_row(row: Row) -> ApiKey:
    return ApiKey(
        id=row["id"], workspace_id=row["workspace_id"], name=row["name"], role=row["role"],
        prefix=row["prefix"], created_at=row["created_at"], expires_at=row["expires_at"],
        last_used_at=row["last_used_at"], revoked_at=row["revoked_at"],
    )


def strategy_from_row(row: Row) -> Strategy:
    fields = {}
    for entry in row["fields"]:
        spec = dict(entry)
        name = spec.pop("name")
        fields[name] = FieldSpec(**spec)
    request = RequestTemplate(**row["request"]) if row["request"] is not None else None
    return Strategy(
        id=row["id"], workspace_id=row["workspace_id"], name=row["name"],
        description=row["description"], type=StrategyType(row["type"]), item=row["item"],
        fields=fields, request=request, parameters=row["parameters"],
        created_at=row["created_at"], updated_at=row["updated_at"],
    )


def strategy_to_row(strategy: Strategy) -> dict[str, Any]:
    return {
        "id": strategy.id, "workspace_id": strategy.workspace_id, "name": strategy.name,
        "description": strategy.description, "type": str(strategy.type), "item": strategy.item,
        # A list keeps the fields' order, which JSONB objects would not (see scrape_tables.py).
        "fields": [{"name": name, **spec.to_json()} for name, spec in strategy.fields.items()],
        "request": strategy.request.to_json() if strategy.request is not None else None,
        "parameters": strategy.parameters,
        "created_at": strategy.created_at, "updated_at": strategy.updated_at,
    }


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


_ID_SHAPE = re.compile(r"^[a-z]+_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def decode_cursor(cursor: str) -> str:
    """The id a cursor points after; ValueError for anything this API did not hand out."""
    padded = cursor + "=" * (-len(cursor) % 4)
    last_id = base64.b64decode(padded.encode(), altchars=b"-_", validate=True).decode()
    if not _ID_SHAPE.match(last_id):
        raise ValueError("not a cursor")
    return last_id
