"""`executor: "celery"`: a task job of Kairos's own sent to a linked Celery fleet instead of run here.

The worker claims the job as usual and calls `dispatch`, which publishes the task by name with the
attempt's own Celery task id (`celery_task_id`: the job's id for the first attempt) and returns
at once; the worker then hands the job's lease, and that task id, to the link (`celery:<link id>`),
and the link's event receiver (or its result backend, or the outcome timeout) ends it through the
engine's `JobFinisher`.
"""

from __future__ import annotations

from kairos.domain.jobs import Job
from kairos.domain.links import beat_queue, celery_owner, celery_task_id
from kairos.exceptions import InvalidInput, LinkNotFound, LinkUnavailable
from kairos.integrations.celery.publish import CeleryApps
from kairos.integrations.celery.trigger import fire_headers
from kairos.integrations.guard import SourcePolicy, check_urls
from kairos.kinds.context import TaskContext
from kairos.kinds.spec import Dispatched, RunFailed
from kairos.store.base import Store


class CeleryExecutor:
    def __init__(self, store: Store, apps: CeleryApps, policy: SourcePolicy) -> None:
        self.store = store
        self.apps = apps
        self.policy = policy

    def dispatch(self, job: Job, ctx: TaskContext) -> Dispatched:
        link_id = job.payload.get("link_id")
        try:
            link = self.store.get_link(job.workspace_id, str(link_id))
        except LinkNotFound:
            raise RunFailed(f"the Celery link {link_id!r} of this job no longer exists") from None
        task_id = celery_task_id(job.id, job.attempt)
        if link.publisher == "beat":
            # Kairos is the beat: a KairosScheduler claims the job and publishes it through its app.
            return Dispatched(owner=beat_queue(link.id), task_id=task_id, lease_seconds=None)
        if not link.broker_url:
            raise RunFailed(f"link {link.name!r} has no broker_url to send the task to")
        try:
            check_urls(link, self.policy, ("broker_url",))
        except InvalidInput as exc:
            raise RunFailed(f"link {link.name!r}: {exc.detail}") from None
        try:
            task_id = self.apps.send(link.broker_url, str(job.payload.get("task")), task_id=task_id,
                                     args=list(job.payload.get("args") or []),
                                     kwargs=dict(job.payload.get("kwargs") or {}),
                                     headers=fire_headers(job.id, None, job.schedule_id))
        except LinkUnavailable as exc:
            raise RunFailed(exc.detail) from None
        return Dispatched(owner=celery_owner(link.id), task_id=task_id, lease_seconds=None)
