"""Domain objects to response bodies."""

from __future__ import annotations

from kairos.api.schemas.jobs import JobPublic
from kairos.api.schemas.schedules import FirePublic, SchedulePublic
from kairos.domain.describe import cron_to_celery, describe, describe_delay
from kairos.domain.jobs import Fire, Job
from kairos.domain.payload_secrets import masked_payload
from kairos.domain.schedules import Schedule, TriggerType
from kairos.kinds.catalog import KINDS

# The *what* of the kinds this version runs, shown flat beside the other fields (the response
# models are built from the same catalog: api/schemas/kinds.py).
PAYLOAD_FIELDS = frozenset(KINDS.fields)


def fire_public(fire: Fire) -> FirePublic:
    return FirePublic(
        id=fire.id, schedule_id=fire.schedule_id, scheduled_for=fire.scheduled_for,
        fired_at=fire.fired_at, job_id=fire.job_id, task_id=fire.task_id,
        status=str(fire.status), trigger=str(fire.trigger),
    )


def schedule_text(schedule: Schedule) -> str:
    if schedule.trigger_type == TriggerType.DELAYED and schedule.delay_seconds is not None:
        return describe_delay(schedule.delay_seconds)
    return describe(schedule.trigger)


def schedule_public(
    schedule: Schedule, *, fires: list[Fire] | None = None, show_secret: bool = False
) -> SchedulePublic:
    payload = {k: v for k, v in masked_payload(schedule.payload).items() if k in PAYLOAD_FIELDS}
    return SchedulePublic(
        id=schedule.id,
        workspace_id=schedule.workspace_id,
        name=schedule.name,
        description=schedule.description,
        kind=str(schedule.kind),
        trigger_type=str(schedule.trigger_type),
        cron_expression=schedule.cron_expression,
        trigger=cron_to_celery(schedule.cron_expression) if schedule.cron_expression else None,
        timezone=schedule.timezone,
        interval_seconds=schedule.interval_seconds,
        run_at=schedule.run_at,
        delay_seconds=schedule.delay_seconds,
        start_at=schedule.start_at,
        end_at=schedule.end_at,
        schedule_description=schedule_text(schedule),
        jitter_seconds=schedule.jitter_seconds,
        misfire_policy=str(schedule.misfire_policy),
        misfire_grace_seconds=schedule.misfire_grace_seconds,
        overlap_policy=str(schedule.overlap_policy),
        max_attempts=schedule.max_attempts,
        retry_delay_seconds=schedule.retry_delay_seconds,
        timeout_seconds=schedule.timeout_seconds,
        webhook_url=schedule.webhook_url,
        webhook_type=schedule.webhook_type,
        webhook_metadata=schedule.webhook_metadata,
        webhook_secret=schedule.webhook_secret if show_secret else None,
        enabled=schedule.enabled,
        status=schedule.shown_status,
        next_run_at=schedule.next_run_at if schedule.firing else None,
        last_run_at=schedule.last_run_at,
        run_count=schedule.run_count,
        scheduler=schedule.scheduler,
        link_id=schedule.link_id,
        read_only_reason=schedule.external.get("read_only_reason"),
        external={k: v for k, v in schedule.external.items() if k != "ref"} or None,
        created_at=schedule.created_at,
        updated_at=schedule.updated_at,
        recent_fires=[fire_public(f) for f in fires] if fires is not None else None,
        **payload,
    )


def job_public(job: Job) -> JobPublic:
    payload = {k: v for k, v in masked_payload(job.payload).items() if k in PAYLOAD_FIELDS}
    # The counters the job's kind reports in its progress, shown as fields of their own.
    spec = KINDS.get(job.kind)
    # A job that has not reported yet has counted nothing: 0, as seed 001's pending job shows.
    counters = {name: job.progress.get(name, 0) for name in spec.counters} if spec else {}
    return JobPublic(
        id=job.id, workspace_id=job.workspace_id, schedule_id=job.schedule_id, kind=job.kind,
        status=str(job.status), trigger=job.trigger, scheduled_for=job.scheduled_for,
        started_at=job.started_at, completed_at=job.completed_at,
        duration_seconds=job.duration_seconds, progress=job.progress, item_count=job.item_count,
        result=job.result, error_message=job.error_message, attempt=job.attempt,
        max_attempts=job.max_attempts, crashes=job.crashes, content_hash=job.content_hash,
        has_changes=job.has_changes, task_id=job.task_id, created_at=job.created_at,
        **payload, **counters,
    )
