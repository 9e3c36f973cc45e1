"""Scenario "changes": what storing a job's items and comparing them with the previous run costs.

For each store and item count, a schedule runs `jobs` times; each run drops a few of the previous
run's items and adds as many new ones, so every run pays the whole change check (hash, diff by
item hash, storing the items and the removed ones). The peer is the same job finished without
items (the path every other kind takes), on the same database: the ratio is the change check's cost.
Only `finish_job` is timed; firing and claiming the job are not.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.databases import Databases
from bench.report import ratio, table
from bench.sizes import QUICK, Sizes
from kairos.domain.definition import Limits, build_schedule
from kairos.domain.finish import JobOutcome, plan_finish
from kairos.domain.jobs import JobStatus
from kairos.ids import new_id
from kairos.kinds.catalog import KINDS
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CHURN = 5  # items replaced between two runs


def _items(run: int, count: int) -> list[dict[str, Any]]:
    start = run * CHURN
    return [{"title": f"Article {n}", "url": f"https://example.com/a/{n}", "price": n * 1.25,
             "tags": ["news", f"t{n % 7}"]} for n in range(start, start + count)]


def _finish_times(store: SqlStore, ws: str, items: int | None, jobs: int) -> list[float]:
    schedule = build_schedule({"task": "kairos.echo", "interval_seconds": 3600},
                              schedule_id=new_id("sched"), workspace_id=ws, now=T0,
                              limits=Limits(min_interval_seconds=1), kinds=KINDS.rulebook)
    store.add_schedules([schedule])
    took = []
    for run in range(jobs):
        now = T0 + timedelta(seconds=run + 1)
        job = store.fire_now(ws, schedule.id, now)
        store.claim_jobs("bench", now, 1, 60)
        if items is None:
            outcome = JobOutcome(status=JobStatus.COMPLETED, result={"ok": run})
        else:
            outcome = JobOutcome(status=JobStatus.COMPLETED, result={"pages": []},
                                 items=_items(run, items))
        started = time.perf_counter()
        assert store.finish_job(plan_finish(job, outcome, now), "bench", now)
        took.append(time.perf_counter() - started)
    return took[1:]  # the first run has nothing to compare with


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:,.2f} ms"


def change_check(sizes: Sizes, dbs: Databases) -> None:
    quick = sizes == QUICK
    jobs = 15 if quick else 50
    counts = (100, 1_000) if quick else (100, 1_000, 10_000)
    backends = ["sqlite"] + (["postgresql"] if dbs.has_postgres else [])
    rows: list[list[object]] = []
    for backend in backends:
        url = dbs.new(backend, "changes")
        upgrade(url)
        store = SqlStore(url)
        try:
            ws = store.ensure_workspace("bench", "Bench", T0).id
            peer = _finish_times(store, ws, None, jobs)
            for count in counts:
                ours = _finish_times(store, ws, count, jobs if count < 10_000 else 10)
                per_item = statistics.median(ours) / count * 1e6
                rows.append([backend, f"{count:,}", _ms(ours), f"{per_item:,.1f} µs",
                             _ms(peer), ratio(statistics.median(ours), statistics.median(peer))])
        finally:
            store.close()
            dbs.drop(url)
    table("Change check per job (finish_job, median)",
          ["store", "items", "with change check", "per item", "without items (peer)", "ratio"],
          rows, notes=[f"{CHURN} items replaced per run; {jobs} runs per row; the peer finishes "
                       "the same job with a one-value result, the path of task and callback jobs."])
