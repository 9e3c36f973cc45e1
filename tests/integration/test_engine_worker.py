"""The worker loop on a real database: jobs run, report progress, stop when cancelled."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from kairos.domain.definition import build_job
from kairos.domain.jobs import Job
from kairos.engine.worker import Worker
from kairos.ids import new_id
from kairos.kinds.catalog import KINDS
from kairos.kinds.context import TaskContext
from kairos.kinds.registry import Registry
from kairos.kinds.runner import JobRunner
from kairos.kinds.spec import KindServices
from kairos.outbound import make_client
from kairos.settings import Settings
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.helpers import workspace_id

tasks = Registry("task")
workflows = Registry("workflow")
stopped_async: list[str] = []


@tasks.decorator("test.add")
def add(a: int, b: int) -> int:
    return a + b


@tasks.decorator("test.steps")
def steps(ctx: TaskContext, count: int = 50) -> str:
    for step in range(count):
        ctx.progress(step + 1, count, "working")
        ctx.sleep(0.1)
    return "done"


@tasks.decorator("test.async_wait")
async def async_wait(seconds: float) -> str:
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        stopped_async.append("cancelled")
        raise
    return "finished"


@tasks.decorator("test.boom")
def boom() -> None:
    raise ValueError("broken input")


@workflows.decorator("test.flow")
def flow(event: dict[str, object]) -> dict[str, object]:
    return {"got": event["event"]}


@pytest.fixture
def worker(store: SqlStore) -> Iterator[Worker]:
    services = KindServices(settings=Settings(), store=store, tasks=tasks, workflows=workflows,
                            http_client=lambda: make_client(allow_private_networks=False))
    runner = JobRunner.build(KINDS, services)
    w = Worker(store, runner, concurrency=4, lease_seconds=5, poll_interval=0.05, renew_interval=0.2)
    thread = threading.Thread(target=w.run, daemon=True)
    thread.start()
    yield w
    w.stop()
    thread.join(15)


def submit(store: SqlStore, **fields: object) -> Job:
    ws = workspace_id(store)
    job = build_job(fields, job_id=new_id("job"), workspace_id=ws, now=utcnow(), kinds=KINDS.rulebook)
    store.add_job(job)
    return job


def wait_for(store: SqlStore, job: Job, check: Callable[[Job], bool], timeout: float = 10) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = store.get_job(job.workspace_id, job.id)
        if check(current):
            return current
        time.sleep(0.05)
    raise AssertionError(f"job never reached the state; last: {current}")


def test_task_runs_with_args(store: SqlStore, worker: Worker) -> None:
    job = submit(store, task="test.add", args=[2, 3])
    done = wait_for(store, job, lambda j: j.finished)
    assert (done.status, done.result, done.item_count) == ("completed", 5, 1)


def test_progress_is_live_and_cancel_stops_the_task(store: SqlStore, worker: Worker) -> None:
    job = submit(store, task="test.steps", kwargs={"count": 100})
    running = wait_for(store, job, lambda j: j.progress.get("current", 0) >= 3)
    assert running.status == "running" and running.progress["total"] == 100
    store.cancel_job(job.workspace_id, job.id, utcnow())
    wait_for(store, job, lambda j: job.id not in worker.running, timeout=3)
    final = store.get_job(job.workspace_id, job.id)
    assert final.status == "cancelled"
    assert final.progress["current"] < 100


def test_async_task_is_cancelled_at_its_await(store: SqlStore, worker: Worker) -> None:
    stopped_async.clear()
    job = submit(store, task="test.async_wait", args=[30])
    wait_for(store, job, lambda j: j.status == "running")
    started = time.monotonic()
    store.cancel_job(job.workspace_id, job.id, utcnow())
    worker.cancel_local(job.id, "cancelled by request")
    while job.id in worker.running and time.monotonic() - started < 3:
        time.sleep(0.02)
    assert job.id not in worker.running
    assert stopped_async == ["cancelled"]


def test_timeout_fails_the_job(store: SqlStore, worker: Worker) -> None:
    job = submit(store, task="test.steps", kwargs={"count": 100}, timeout_seconds=1)
    done = wait_for(store, job, lambda j: j.finished)
    assert done.status == "failed" and done.error_message == "timed out after 1 seconds"


def test_failure_retries_then_fails_with_the_error(store: SqlStore, worker: Worker) -> None:
    job = submit(store, task="test.boom", max_attempts=2, retry_delay_seconds=1)
    done = wait_for(store, job, lambda j: j.finished)
    assert done.status == "failed" and done.attempt == 2
    assert (done.error_message or "").startswith("ValueError: broken input")


def test_unregistered_task_fails_clearly(store: SqlStore, worker: Worker) -> None:
    job = submit(store, task="nobody.knows")
    done = wait_for(store, job, lambda j: j.finished)
    assert done.error_message == "task 'nobody.knows' is not registered"


def test_workflow_callback_gets_the_event(store: SqlStore, worker: Worker) -> None:
    job = submit(store, callback_type="workflow", callback_id="test.flow")
    done = wait_for(store, job, lambda j: j.finished)
    assert done.result == {"got": "schedule.fired"}


def test_http_callback_to_a_private_address_is_refused(store: SqlStore, worker: Worker) -> None:
    job = submit(store, callback_type="http", callback_id="http://127.0.0.1:9/hook")
    done = wait_for(store, job, lambda j: j.finished)
    assert done.status == "failed"
    assert "private, loopback or otherwise internal address" in (done.error_message or "")


def test_the_last_progress_report_is_kept_with_the_outcome(store: SqlStore, worker: Worker) -> None:
    job = submit(store, task="test.steps", kwargs={"count": 3})
    done = wait_for(store, job, lambda j: j.finished)
    assert done.status == "completed"
    assert (done.progress["current"], done.progress["percent"]) == (3, 100.0)


def test_a_failed_end_write_is_tried_again_and_the_run_is_not_repeated(
        store: SqlStore, worker: Worker, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlalchemy.exc

    real_finish = store.finish_job
    refused: list[str] = []

    def finish_after_two_blips(plan, owner, now):  # type: ignore[no-untyped-def]
        if len(refused) < 2:
            refused.append(plan.job_id)
            raise sqlalchemy.exc.OperationalError("UPDATE jobs", {}, Exception("server closed the connection"))
        return real_finish(plan, owner, now)

    monkeypatch.setattr(store, "finish_job", finish_after_two_blips)
    job = submit(store, task="test.add", args=[2, 3])
    done = wait_for(store, job, lambda j: j.finished)
    assert len(refused) == 2
    assert (done.status, done.result, done.attempt, done.crashes) == ("completed", 5, 1, 0)
