"""The `task` kind's spec."""

from __future__ import annotations

# Imported for its registrations: the tasks that ship with Kairos are there in every process.
import kairos.kinds.task.builtin  # noqa: F401
from kairos.domain.schedules import Kind
from kairos.kinds.spec import KindSpec
from kairos.kinds.task.fields import FIELDS, check_task, task_name
from kairos.kinds.task.run import TaskRunner

TASK = KindSpec(
    kind=Kind.TASK,
    description="Call a registered Python function with `args` and `kwargs`.",
    fields=FIELDS,
    check=check_task,
    default_name=task_name,
    build_runner=TaskRunner.build,
)
