"""Running a task job: in this worker's thread, or handed to the executor it names."""

from __future__ import annotations

from kairos.domain.jobs import Job
from kairos.kinds.context import TaskContext
from kairos.kinds.invoke import invoke
from kairos.kinds.registry import Registry
from kairos.kinds.spec import Executor, KindServices, Produced, RunFailed, RunResult

LOCAL = "local"


class TaskRunner:
    def __init__(self, tasks: Registry, executors: dict[str, Executor]) -> None:
        self.tasks = tasks
        self.executors = executors

    @classmethod
    def build(cls, services: KindServices) -> TaskRunner:
        return cls(services.tasks, dict(services.executors))

    def run(self, job: Job, ctx: TaskContext) -> RunResult:
        name = str(job.payload.get("executor") or LOCAL)
        if name != LOCAL:
            executor = self.executors.get(name)
            if executor is None:
                raise RunFailed(f"the {name} executor is not linked to this Kairos")
            return executor.dispatch(job, ctx)
        registered = self.tasks.get(str(job.payload.get("task")))
        args = list(job.payload.get("args") or [])
        kwargs = dict(job.payload.get("kwargs") or {})
        return Produced(result=invoke(registered, ctx, args, kwargs))
