"""The composition root: the store, the kinds, the runner and the loops of one process, built once.

It sits above every layer (domain, store, engine, kinds, delivery) and is what the API and the
CLI are handed; nothing below it imports it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

from kairos.delivery.deliverer import Deliverer
from kairos.delivery.setup import build_deliverer
from kairos.engine.finish import JobFinisher
from kairos.engine.loop import StepLoop
from kairos.engine.scheduler import Scheduler
from kairos.engine.worker import Worker
from kairos.integrations.celery.executor import CeleryExecutor
from kairos.integrations.celery.publish import CeleryApps
from kairos.integrations.sources import SourcePolicy
from kairos.integrations.watcher import LinkWatcher
from kairos.kinds import registry
from kairos.kinds.catalog import KINDS, KindCatalog
from kairos.kinds.runner import JobRunner
from kairos.kinds.spec import Executor, KindServices
from kairos.outbound import make_client
from kairos.settings import Settings
from kairos.store.base import FireBatch, Store
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore

log = logging.getLogger(__name__)


def open_store(settings: Settings, *, migrate: bool = True) -> SqlStore:
    url = settings.resolved_database_url()
    if migrate:
        upgrade(url)
    return SqlStore(url, pool_size=max(10, settings.workers + 4))


@dataclass
class Runtime:
    """The parts of one Kairos process. `roles` says which loops run here."""

    settings: Settings
    store: Store
    roles: frozenset[str] = frozenset({"api", "scheduler", "worker"})
    kinds: KindCatalog = KINDS
    scheduler: Scheduler | None = None
    worker: Worker | None = None
    deliverer: Deliverer | None = None
    # Ends jobs whose outcome arrives from outside any worker (an executor's event receiver).
    finisher: JobFinisher | None = None
    # Scheduler links (SPEC 8): one Celery app per linked broker, and the loop watching their events.
    celery_apps: CeleryApps = field(default_factory=CeleryApps)
    links: LinkWatcher | None = None
    threads: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings, store: Store, roles: frozenset[str], *,
              executors: Mapping[str, Executor] | None = None) -> Runtime:
        registry.load_task_modules(settings.task_module_names())
        runtime = cls(settings=settings, store=store, roles=roles)
        runtime.finisher = JobFinisher(store, on_finished=runtime.deliveries_due)
        policy = SourcePolicy(allow_private_networks=settings.allow_private_networks,
                              allow_app_imports=settings.link_app_imports)
        if "worker" in roles:
            services = KindServices(
                settings=settings, store=store,
                http_client=partial(make_client, allow_private_networks=settings.allow_private_networks),
                tasks=registry.tasks, workflows=registry.workflows,
                executors={"celery": CeleryExecutor(store, runtime.celery_apps, policy), **(executors or {})},
            )
            runner = JobRunner.build(runtime.kinds, services)
            runtime.worker = Worker(
                store, runner, concurrency=settings.workers,
                lease_seconds=settings.job_lease_seconds,
                on_finished=runtime.deliveries_due,
            )
            # Webhooks go out from the worker role: deliveries are queued as its jobs finish.
            runtime.deliverer = build_deliverer(settings, store)
            runtime.links = LinkWatcher(
                store, runtime.finisher, runtime.celery_apps, policy,
                outcome_timeout=settings.celery_outcome_timeout_seconds,
                interval=settings.link_watch_interval_seconds,
            )
        if "scheduler" in roles:
            runtime.scheduler = Scheduler(
                store, batch_size=settings.scheduler_batch_size,
                max_sleep=settings.scheduler_max_sleep_seconds,
                on_fired=runtime._fired,
            )
        return runtime

    def _fired(self, batch: FireBatch) -> None:
        if self.worker is not None and batch.jobs:
            self.worker.wake()

    def job_created(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    def deliveries_due(self) -> None:
        """A job finished or a delivery was retried: the deliverer looks now."""
        if self.deliverer is not None:
            self.deliverer.wake()

    def schedule_changed(self) -> None:
        if self.scheduler is not None:
            self.scheduler.wake()

    def loops(self) -> list[tuple[str, StepLoop]]:
        """The loops this process runs, by name (started, stopped and checked by /readyz)."""
        named = (("scheduler", self.scheduler), ("worker", self.worker), ("deliverer", self.deliverer),
                 ("links", self.links))
        return [(name, loop) for name, loop in named if loop is not None]

    def start(self) -> None:
        for name, loop in self.loops():
            thread = threading.Thread(target=loop.run, name=f"kairos-{name}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self, timeout: float = 15.0) -> None:
        for _, loop in self.loops():
            loop.stop()
        for thread in self.threads:
            thread.join(timeout)
        self.threads.clear()
        self.celery_apps.close()
