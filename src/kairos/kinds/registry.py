"""Named tasks and workflows: `@task("email.send_daily_digest")`, `@workflow("sync")`.

Names are resolved when a job runs, not when a schedule is made, since the code that registers
them may be deployed later. Modules are loaded from `KAIROS_TASK_MODULES` and from the
`kairos.tasks` entry point group.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, TypeVar

from kairos.exceptions import TaskNotRegistered

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Registered:
    name: str
    func: Callable[..., Any]
    wants_context: bool
    is_async: bool
    description: str


class Registry:
    """A name -> callable map for one of the two families (tasks, workflows)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, Registered] = {}

    def register(self, name: str, func: Callable[..., Any]) -> None:
        if not name or len(name) > 200:
            raise ValueError(f"a {self.what} name must be 1-200 characters")
        params = inspect.signature(func).parameters
        self._items[name] = Registered(
            name=name,
            func=func,
            wants_context="ctx" in params,
            is_async=inspect.iscoroutinefunction(func),
            description=(inspect.getdoc(func) or "").split("\n", 1)[0],
        )

    def decorator(self, name: str) -> Callable[[F], F]:
        def wrap(func: F) -> F:
            self.register(name, func)
            return func

        return wrap

    def get(self, name: str) -> Registered:
        try:
            return self._items[name]
        except KeyError:
            raise TaskNotRegistered(name, self.what) from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items


tasks = Registry("task")
workflows = Registry("workflow")


def task(name: str) -> Callable[[F], F]:
    """Register a function as the task `name`; it gets `args`/`kwargs`, and `ctx` if it asks."""
    return tasks.decorator(name)


def workflow(name: str) -> Callable[[F], F]:
    """Register a function as the workflow `name` for `callback_type: workflow` schedules."""
    return workflows.decorator(name)


def load_task_modules(module_names: list[str]) -> None:
    """Import the modules that register tasks: the configured ones and the entry points."""
    for ep in entry_points(group="kairos.tasks"):
        try:
            ep.load()
        except Exception:
            log.exception("could not load task entry point %s", ep.name)
    for name in module_names:
        importlib.import_module(name)
