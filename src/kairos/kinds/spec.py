"""A job kind in one place: `KindSpec` says what its fields are, how a job of it runs, how it shows.

Each kind is one package under `kairos.kinds` whose `spec.py` defines one `KindSpec`;
`kinds/catalog.py` lists them. Everything else reads the catalog: the domain gets the pure field
rules (`KindSpec.rules`) injected, the API builds its request and response models from
`fields` and `counters`, and the worker runs a job with the runner `build_runner` made once at
start-up from the shared `KindServices`. docs/architecture.md ("Adding a kind") walks through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from kairos.domain.jobs import Job
from kairos.domain.payloads import KindRules, PayloadCheck
from kairos.domain.schedules import Kind
from kairos.exceptions import KairosError
from kairos.kinds.context import TaskContext
from kairos.kinds.registry import Registry
from kairos.settings import Settings
from kairos.store.base import Store


@dataclass(frozen=True, kw_only=True)
class Produced:
    """What a run that ended well produced.

    `result` is stored on the job. `items` are the run's items when the kind lists them apart from
    its result (a scrape keeps its per-URL report as the result); None means the result *is*
    the items (a list, one value, or nothing). Items are stored, compared with the previous run
    and sent to the webhook.
    """

    result: Any = None
    items: list[Any] | None = None


class RunFailed(KairosError):
    """The run failed; `result` keeps what it can still report (a scrape's per-URL errors)."""

    def __init__(self, detail: str, *, result: Any = None) -> None:
        self.result = result
        super().__init__(detail)


@dataclass(frozen=True, kw_only=True)
class Dispatched:
    """The job was handed to an outside executor; its outcome arrives later, from outside.

    The worker hands the job's lease to `owner` (`Store.hand_over_job`) and frees its slot.
    Whoever learns how the job ended (an event receiver of the executor) ends it with
    `engine.finish.JobFinisher.finish_reported(workspace_id, task_id, owner, outcome)`: the same plan and write
    as the worker's own jobs. With `lease_seconds` the lease expires unless the executor's side
    renews it (`Store.renew_leases` under `owner`), and the job is then treated as a vanished
    worker's; None means it never expires: only the executor's report (or a cancel through the
    API) ends the job.
    """

    owner: str
    task_id: str | None = None
    lease_seconds: float | None = None


RunResult = Produced | Dispatched


class KindRunner(Protocol):
    """Runs jobs of one kind in a worker thread; built once per process by `KindSpec.build_runner`.

    It returns what the job produced or that it was dispatched, raises `RunFailed` (or any other
    exception) when it failed, and `JobCancelled` when `ctx` told it to stop.
    """

    def run(self, job: Job, ctx: TaskContext) -> RunResult: ...


class Executor(Protocol):
    """Somewhere else a task job may run (`executor: celery`); it publishes and returns at once."""

    def dispatch(self, job: Job, ctx: TaskContext) -> Dispatched: ...


@dataclass(frozen=True, kw_only=True)
class KindServices:
    """What the composition root builds once and every kind's runner factory may use.

    A kind takes its clients and stores from here (or builds its own from `settings` in its
    factory), never from module globals, so tests and processes wire it as they like.
    """

    settings: Settings
    store: Store
    http_client: Callable[[], httpx.Client]
    tasks: Registry
    workflows: Registry
    # By the `executor` field's value; "local" (the worker's threads) needs no entry.
    executors: Mapping[str, Executor] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class KindSpec:
    """Everything Kairos knows about one kind of job."""

    kind: Kind
    description: str
    # The *what* fields, by name, with the type the API accepts and shows (always optional
    # there: which are required is the `check`'s business, so one answer lists every problem).
    fields: Mapping[str, Any]
    # Pure: the sent values -> the stored payload, problems added to `errors` by field name.
    check: PayloadCheck
    default_name: Callable[[Mapping[str, Any]], str]
    build_runner: Callable[[KindServices], KindRunner]
    # Fields that alone do not say this kind is meant (a generic word another kind may share).
    weak_fields: frozenset[str] = frozenset()
    # Checks sent values against the workspace's stored data (a scrape's strategy must exist),
    # when a schedule or job is made or changed; raises `InvalidInput` naming the field. Only the
    # kind's own fields are looked at, and only those that were sent.
    check_stored: Callable[[Store, str, Mapping[str, Any]], None] | None = None
    # Progress counters a job of this kind reports (`ctx.progress(posts_scraped=3)`), shown as
    # top-level integer fields of the job in API answers.
    counters: tuple[str, ...] = ()
    # The check for schedules when it differs from one-off jobs' (defaults that differ).
    schedule_check: PayloadCheck | None = None

    @property
    def rules(self) -> KindRules:
        """The part the domain needs, to be injected into `domain.definition`."""
        return KindRules(kind=self.kind, fields=tuple(self.fields), check=self.check,
                         default_name=self.default_name, weak_fields=self.weak_fields,
                         schedule_check=self.schedule_check)
