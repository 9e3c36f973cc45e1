"""Items stored per job with the outcome, and what changed since the schedule's previous run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kairos.domain.definition import build_job
from kairos.domain.finish import JobOutcome
from kairos.domain.items import content_hash
from kairos.domain.jobs import Job, JobStatus
from kairos.ids import new_id
from kairos.kinds.catalog import KINDS
from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.helpers import finish, make_schedule, workspace_id

T0 = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)


class Runs:
    """One interval schedule whose runs are finished with the items a test gives."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.ws = workspace_id(store, now=T0)
        schedule = make_schedule(self.ws, T0, interval_seconds=10, overlap_policy="allow")
        store.add_schedules([schedule])
        self.schedule_id = schedule.id
        self.step = 0

    def claim(self) -> Job:
        self.step += 1
        now = T0 + timedelta(seconds=10 * self.step)
        self.store.fire_due(now, 10)
        (job,) = self.store.claim_jobs("w1", now, 5, 30)
        return job

    def finish(self, outcome: JobOutcome) -> Job:
        job = self.claim()
        assert finish(self.store, job, "w1", outcome, T0 + timedelta(seconds=10 * self.step))
        return self.store.get_job(self.ws, job.id)

    def run(self, items: list[Any]) -> Job:
        # As a scrape job reports: a small result, and the items on their own.
        return self.finish(JobOutcome(status=JobStatus.COMPLETED, result={"pages": []}, items=items))

    def added_removed(self, job: Job) -> tuple[list[Any], list[Any]]:
        (change,) = [c for c in self.store.list_changes(self.ws, self.schedule_id, 200)
                     if c.job_id == job.id]
        return change.added, change.removed


A, B, C, D = ({"name": n} for n in "abcd")


def test_items_are_stored_in_order_with_their_hash_and_count(store: SqlStore) -> None:
    runs = Runs(store)
    job = runs.run([B, A, C])
    assert store.job_items(job.id) == [B, A, C]
    assert store.job_items(job.id, limit=2) == [B, A]
    assert job.item_count == 3
    assert job.content_hash == content_hash([B, A, C])
    assert job.result == {"pages": []}


def test_the_first_run_is_a_change_with_every_item_added(store: SqlStore) -> None:
    runs = Runs(store)
    first = runs.run([A, B])
    assert first.has_changes is True
    assert runs.added_removed(first) == ([A, B], [])


def test_added_removed_unchanged_and_reordered_runs(store: SqlStore) -> None:
    runs = Runs(store)
    runs.run([A, B, C])
    grown = runs.run([A, B, C, D])
    assert grown.has_changes is True
    assert runs.added_removed(grown) == ([D], [])
    shrunk = runs.run([A, C, D])
    assert runs.added_removed(shrunk) == ([], [B])
    swapped = runs.run([A, C, B])
    assert runs.added_removed(swapped) == ([B], [D])
    same = runs.run([A, C, B])
    assert same.has_changes is False
    assert [c.job_id for c in store.list_changes(runs.ws, runs.schedule_id, 200)].count(same.id) == 0
    reordered = runs.run([B, A, C])
    # Order is part of the content (a ranking that moved is news), but nothing came or went.
    assert reordered.has_changes is True
    assert runs.added_removed(reordered) == ([], [])


def test_duplicated_items_are_compared_as_a_multiset(store: SqlStore) -> None:
    runs = Runs(store)
    runs.run([A, A, B])
    again = runs.run([A, B, B])
    assert runs.added_removed(again) == ([B], [A])


def test_a_result_list_is_the_items_when_the_kind_gives_none(store: SqlStore) -> None:
    runs = Runs(store)
    job = runs.finish(JobOutcome(status=JobStatus.COMPLETED, result=[1, "two", None]))
    assert store.job_items(job.id) == [1, "two", None]
    scalar = runs.finish(JobOutcome(status=JobStatus.COMPLETED, result={"ok": True}))
    assert store.job_items(scalar.id) == [{"ok": True}]
    assert (scalar.item_count, scalar.content_hash) == (1, content_hash([{"ok": True}]))
    nothing = runs.finish(JobOutcome(status=JobStatus.COMPLETED))
    assert store.job_items(nothing.id) == []
    assert nothing.item_count == 0
    assert runs.added_removed(nothing) == ([], [{"ok": True}])


def test_failed_jobs_store_no_items_and_are_not_the_previous_run(store: SqlStore) -> None:
    runs = Runs(store)
    runs.run([A])
    failed = runs.finish(JobOutcome(status=JobStatus.FAILED, error_message="boom"))
    assert store.job_items(failed.id) == []
    assert failed.has_changes is None
    after = runs.run([A, B])
    assert runs.added_removed(after) == ([B], [])


def test_a_worker_that_lost_the_job_stores_nothing(store: SqlStore) -> None:
    runs = Runs(store)
    job = runs.claim()
    outcome = JobOutcome(status=JobStatus.COMPLETED, items=[A])
    assert finish(store, job, "someone-else", outcome, T0) is False
    assert store.job_items(job.id) == []


def test_one_off_jobs_store_items_but_compare_with_nothing(store: SqlStore) -> None:
    ws = workspace_id(store, now=T0)
    job = build_job({"task": "kairos.echo"}, job_id=new_id("job"), workspace_id=ws, now=T0, kinds=KINDS.rulebook)
    store.add_job(job)
    store.claim_jobs("w1", T0, 5, 30)
    finish(store, job, "w1", JobOutcome(status=JobStatus.COMPLETED, items=[A, B]), T0)
    done = store.get_job(ws, job.id)
    assert (done.has_changes, done.item_count) == (None, 2)
    assert store.job_items(job.id) == [A, B]


def test_iterating_items_reads_every_chunk_in_order(store: SqlStore) -> None:
    runs = Runs(store)
    items = [{"n": n, "text": "é" * (n % 3)} for n in range(1234)]
    job = runs.run(items)
    assert list(store.iter_job_items(job.id, chunk_size=100)) == items
    assert list(store.iter_job_items(job.id, chunk_size=1234)) == items
    assert list(store.iter_job_items("job_missing")) == []
