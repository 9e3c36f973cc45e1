"""Scenario 3: fire → run → result stored, end to end, beside Celery beat + a Celery worker.

Kairos: one real `kairos serve` process (API, scheduler and KAIROS_WORKERS worker threads) on a
fresh database; interval schedules of the no-op task `kairos.echo` are added once it answers.
A job counts when its result is committed (`completed_at` inside the window); its lateness is
`completed_at - scheduled_for`, read from the database afterwards.

Celery: `celery beat` (its PersistentScheduler) and one `celery worker` (thread pool, as many
threads as Kairos has workers) on the local Redis, a db of the bench's own that is flushed before
and after, the same intervals and first instants, a no-op task. A run counts when its result is
stored (`date_done` inside the window); lateness is `date_done` minus the instant beat meant it
for (bench/celery_app.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import redis
import sqlalchemy as sa

from bench import load, seed
from bench.api_server import kairos_api
from bench.databases import Databases, prepare
from bench.report import ms, rate, ratio, summary, table
from bench.sizes import Sizes

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("KAIROS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
WORKERS = 8
LEAD = 3.0  # seconds from adding the schedules to their first instant


@dataclass(frozen=True)
class Run:
    name: str
    done: int  # results stored inside the window
    offered: int
    window: float
    lateness: dict[str, Any]
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.done / self.window


def _kairos(dbs: Databases, backend: str, count: int, window: float) -> Run:
    url = dbs.new(backend, "e2e")
    try:
        store, workspace = prepare(url)
        env = {"KAIROS_WORKERS": str(WORKERS), "KAIROS_MIN_INTERVAL_SECONDS": "1"}
        with kairos_api(url, dbs.dir, role="serve", env=env) as (client, _):
            _wait_until_ready(client)
            the_load = load.sustained(count, time.time() + LEAD)
            seed.seed(store, workspace.id, the_load)
            end = the_load.t0 + window
            time.sleep(max(0.0, end - time.time()))
        with store.db.read() as conn:
            rows = conn.execute(sa.text(
                "SELECT scheduled_for, completed_at, result IS NOT NULL FROM jobs "
                "WHERE status = 'completed'")).all()
        store.close()
    finally:
        dbs.drop(url)
    stop = datetime.fromtimestamp(end, UTC)
    late = [(_aware(done) - _aware(due)).total_seconds() for due, done, _ in rows if _aware(done) <= stop]
    without_result = sum(1 for _, done, has_result in rows if _aware(done) <= stop and not has_result)
    return Run(f"Kairos serve / {backend}", len(late), the_load.offered(end), window, summary(late),
               note=f"{without_result} completed jobs without a stored result" if without_result else "")


def _wait_until_ready(client: httpx.Client, timeout: float = 60.0) -> None:
    """Until /readyz says the database answers and the scheduler and worker loops are alive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.2)
    raise RuntimeError(f"kairos serve was not ready within {timeout:.0f} s")


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _wait_for_worker(timeout: float = 60.0) -> None:
    """Until the Celery worker answers a ping: its start-up must not eat into the window."""
    from bench.celery_app import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return
    raise RuntimeError(f"the Celery worker did not answer within {timeout:.0f} s")


def _celery(dbs: Databases, count: int, window: float) -> Run:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    env = {**os.environ, "KAIROS_BENCH_REDIS_URL": REDIS_URL}
    celery = [sys.executable, "-m", "celery", "-A", "bench.celery_app"]
    logs = dbs.dir / "celery.log"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with logs.open("w") as sink:
            processes.append(subprocess.Popen(
                [*celery, "worker", "--pool", "threads", "--concurrency", str(WORKERS),
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
                cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT))
            _wait_for_worker()
            # Beat reads its schedule when it starts: the first instants leave it time to.
            the_load = load.sustained(count, time.time() + LEAD + 2)
            processes.append(subprocess.Popen(
                [*celery, "beat", "-S", "bench.celery_app:MeasuredScheduler",
                 "--schedule", str(dbs.dir / "celerybeat-schedule"), "-l", "warning"],
                cwd=ROOT, env={**env, "KAIROS_BENCH_CELERY_LOAD": json.dumps(the_load.entries)},
                stdout=sink, stderr=subprocess.STDOUT))
        end = the_load.t0 + window
        time.sleep(max(0.0, end - time.time()))
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        late = []
        for key in client.scan_iter("celery-task-meta-*", count=1000):
            raw = client.get(key)
            if raw is None:
                continue
            meta = json.loads(raw)
            done = _aware(meta["date_done"]).timestamp()
            due = (meta.get("result") or {}).get("due")
            if meta.get("status") == "SUCCESS" and due is not None and done <= end:
                late.append(done - due)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        client.flushdb()
        client.close()
    note = "" if late else f"no result stored; see {logs}"
    return Run("Celery beat + worker / redis", len(late), the_load.offered(end), window,
               summary(late), note=note)


def end_to_end(sizes: Sizes, dbs: Databases) -> None:
    count, window = sizes.e2e_schedules, sizes.e2e_seconds
    runs = [_kairos(dbs, "sqlite", count, window)]
    if dbs.has_postgres:
        runs.append(_kairos(dbs, "postgresql", count, window))
    runs.append(_celery(dbs, count, window))
    peer = runs[-1]
    rows = [[r.name, f"{r.done:,}", f"{r.offered:,}", f"{r.done / r.offered:.0%}" if r.offered else "-",
             rate(r.per_second), ms(r.lateness["p50"]), ms(r.lateness["p99"]), ms(r.lateness["max"]),
             ratio(r.per_second, peer.per_second) if r is not peer else "1.00x",
             ratio(r.lateness["p99"], peer.lateness["p99"]) if r is not peer else "1.00x"]
            for r in runs]
    notes = [f"{r.name}: {r.note}" for r in runs if r.note]
    table(f"3. End to end: {count:,} interval schedules (1 s and 2 s) of a no-op task, {window:.0f} s, "
          f"{WORKERS} worker threads each: fire -> run -> result stored",
          ["scheduler + workers / store", "jobs done", "offered", "kept up", "jobs/s", "e2e p50",
           "e2e p99", "e2e max", "jobs/s vs Celery", "p99 vs Celery"], rows,
          notes=[*notes, "Lateness = result stored minus the instant the run was due for (Kairos: "
                 "completed_at - scheduled_for; Celery: date_done - the instant beat computed)."])
