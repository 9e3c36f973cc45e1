"""`trigger` on a linked Celery schedule: the fire is recorded, then the task is sent by name.

The task id is the job's id, chosen by Kairos and written with the fire before the publish, so
the worker's events (or the result backend) always find the fire they belong to.
"""

from __future__ import annotations

from datetime import datetime

from kairos.domain.finish import JobOutcome
from kairos.domain.jobs import FireTrigger, Job, JobStatus
from kairos.domain.links import SchedulerLink, celery_owner
from kairos.domain.schedules import Schedule
from kairos.engine.finish import JobFinisher
from kairos.exceptions import Conflict, LinkUnavailable
from kairos.ids import new_id
from kairos.integrations.celery.publish import CeleryApps
from kairos.integrations.guard import SourcePolicy, check_urls
from kairos.store.base import Store


def fire_headers(job_id: str, fire_id: str | None, schedule_id: str | None) -> dict[str, str]:
    """Headers naming the fire, for whoever reads the message (a worker, a log, Flower)."""
    headers = {"kairos_job": job_id}
    if fire_id is not None:
        headers["kairos_fire"] = fire_id
    if schedule_id is not None:
        headers["kairos_schedule"] = schedule_id
    return headers


def trigger_on_celery(store: Store, finisher: JobFinisher, apps: CeleryApps, policy: SourcePolicy,
                      link: SchedulerLink, schedule: Schedule, now: datetime) -> Job:
    """Fire `schedule` now on its link's broker; the job answers with the Celery task id.

    The broker's address is checked again first (400): it may resolve elsewhere than when saved.
    """
    if not link.broker_url:
        raise Conflict(f"link {link.name!r} has no broker_url: Kairos cannot send its tasks")
    check_urls(link, policy, ("broker_url",))
    job_id, fire_id = new_id("job"), new_id("fire")
    job = store.start_celery_fire(schedule, link_id=link.id, job_id=job_id, fire_id=fire_id, task_id=job_id,
                                  scheduled_for=now, trigger=FireTrigger.MANUAL, now=now)
    if job is None:
        raise Conflict("this schedule was triggered at this very instant already; try again")
    try:
        apps.send(link.broker_url, str(schedule.payload.get("task")), task_id=job_id,
                  args=list(schedule.payload.get("args") or []), kwargs=dict(schedule.payload.get("kwargs") or {}),
                  options=dict(schedule.external.get("options") or {}),
                  headers=fire_headers(job_id, fire_id, schedule.id))
    except LinkUnavailable as exc:
        finisher.finish(job, celery_owner(link.id), JobOutcome(status=JobStatus.FAILED, error_message=exc.detail), now)
        raise
    return store.get_job(schedule.workspace_id, job_id)
