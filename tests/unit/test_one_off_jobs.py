"""A one-off job from the *what* fields alone, and what a job reports about itself."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from kairos.domain.definition import build_job
from kairos.domain.jobs import FIRE_STATUS_OF_JOB, FireStatus, Job, JobStatus
from kairos.exceptions import InvalidInput
from kairos.kinds.catalog import KINDS

from .factories import at

NOW = at("2026-01-05T08:10Z")


def build(values: dict[str, Any]) -> Job:
    return build_job(values, job_id="job_1", workspace_id="ws_1", now=NOW, kinds=KINDS.rulebook)


def test_a_task_job_is_pending_and_may_run_now() -> None:
    job = build({"task": "reports.build", "kwargs": {"day": "monday"}, "max_attempts": 3,
                 "timeout_seconds": 60})
    assert (job.id, job.workspace_id, job.schedule_id) == ("job_1", "ws_1", None)
    assert (job.kind, job.status, job.trigger) == ("task", JobStatus.PENDING, "api")
    assert job.payload == {"task": "reports.build", "args": [], "kwargs": {"day": "monday"},
                           "executor": "local"}
    assert (job.max_attempts, job.retry_delay_seconds, job.timeout_seconds) == (3, 30, 60)
    assert job.run_after == job.created_at == NOW
    assert not job.finished


def test_a_callback_job() -> None:
    job = build({"callback_type": "http", "callback_id": "https://example.com/run"})
    assert (job.kind, job.payload) == ("callback", {"callback_type": "http",
                                                    "callback_id": "https://example.com/run"})


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, [(("kind",), "say what to run: a `task`, a `callback_type`/`callback_id`, or an "
                          "explicit `kind`")]),
        ({"kind": "scrape", "url": "https://example.com/"},
         [(("strategy_id",), "the id of a strategy of this workspace is required")]),
        ({"task": "t", "kwargs": {"blob": "x" * 70_000}},
         [(("kwargs",), "must be at most 64 KiB of JSON")]),
        ({"task": "t", "callback_id": "w"},
         [(("kind",), "fields of several kinds were sent: callback, task")]),
    ],
)
def test_a_bad_job_is_invalid_input(values: dict[str, Any],
                                    expected: list[tuple[tuple[str], str]]) -> None:
    with pytest.raises(InvalidInput) as caught:
        build(values)
    assert [(e.loc, e.msg) for e in caught.value.errors] == expected


def test_duration_needs_both_ends() -> None:
    job = build({"task": "reports.build"})
    assert job.duration_seconds is None
    started = dataclasses.replace(job, status=JobStatus.RUNNING, started_at=at("2026-01-05T08:10Z"))
    assert started.duration_seconds is None
    done = dataclasses.replace(started, status=JobStatus.COMPLETED,
                               completed_at=at("2026-01-05T08:11:02.1234Z"))
    assert done.duration_seconds == 62.123
    assert done.finished


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="run_after must carry a time zone"):
        dataclasses.replace(build({"task": "t"}), run_after=NOW.replace(tzinfo=None))


def test_a_fire_reads_its_status_from_its_job() -> None:
    assert FIRE_STATUS_OF_JOB == {
        JobStatus.PENDING: FireStatus.PENDING,
        JobStatus.RUNNING: FireStatus.RUNNING,
        JobStatus.COMPLETED: FireStatus.SUCCEEDED,
        JobStatus.FAILED: FireStatus.FAILED,
        JobStatus.CANCELLED: FireStatus.CANCELLED,
    }
