"""One fire-rate run per scheduler: seed the load, run the child, read back what was recorded."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bench import child, load, peer_jobs, seed
from bench.databases import Databases, prepare
from bench.report import summary

# Seconds between the end of seeding and the first fire, so the child is up before it.
STARTUP = 2.0
SEED_RATE = 15_000  # schedules per second, a pessimistic guess used to place t0


@dataclass(frozen=True)
class Outcome:
    name: str
    fired: int  # counted from the database for Kairos, by the job function for APScheduler
    offered: int  # fires due in the window: what a scheduler that keeps up would record
    seconds: float  # from the first due instant to the stop (sustained) or last commit (burst)
    report: dict[str, Any]

    @property
    def per_second(self) -> float:
        return self.fired / self.seconds if self.seconds > 0 else 0.0


def count_rows(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
    finally:
        engine.dispose()


def _t0(count: int) -> float:
    return time.time() + STARTUP + count / SEED_RATE


# Past its window a child still has to report (APScheduler loads and unpickles every job first):
# on a busy machine that can take minutes.
SLACK = 300.0


def _window(args: dict[str, Any], t0: float, window: float | None, count: int,
            timeout: float) -> float:
    """Fill in how the child stops; returns the parent's timeout for it."""
    if window is not None:
        args["until"] = t0 + window
        return t0 + window - time.time() + SLACK
    wait = t0 - time.time() + timeout
    args["expected"] = count
    args["timeout"] = wait
    return wait + SLACK


def _run_child(module: str, args: dict[str, Any], limit: float, t0: float) -> dict[str, Any]:
    """The child's report; a child that failed gives an empty one saying so, not a lost table."""
    try:
        return child.run(module, args, timeout=limit)
    except child.ChildFailed as exc:
        stopped = args.get("until", time.time())
        return {"started": t0, "stopped": stopped, "fired": 0, "last_commit": stopped,
                "lateness": summary([]), "cpu_seconds": 0.0, "peak_rss": None,
                "failed": str(exc).splitlines()[0]}


def _outcome(name: str, fired: int, the_load: load.Load, report: dict[str, Any],
             burst: bool) -> Outcome:
    end = report["last_commit"] if burst else report["stopped"]
    return Outcome(name=name, fired=fired, offered=the_load.offered(report["stopped"]),
                   seconds=max(end - the_load.t0, 0.0), report=report)


def kairos(dbs: Databases, backend: str, make: Callable[[int, float], load.Load], count: int,
           *, window: float | None = None, timeout: float = 60.0) -> Outcome:
    """Kairos on `backend`: sustained for `window` seconds, or until all `count` fired."""
    url = dbs.new(backend, "fire")
    try:
        store, workspace = prepare(url)
        the_load = make(count, _t0(count))
        seed.seed(store, workspace.id, the_load)
        store.close()
        args: dict[str, Any] = {"url": url}
        limit = _window(args, the_load.t0, window, count, timeout)
        report = _run_child("kairos_fire", args, limit, the_load.t0)
        jobs, fires = count_rows(url, "jobs"), count_rows(url, "fires")
        report["late_start"] = report["started"] > the_load.t0
        report["db_mismatch"] = not jobs == fires == report["fired"]
        return _outcome(f"Kairos / {backend}", jobs, the_load, report, window is None)
    finally:
        dbs.drop(url)


def apscheduler(dbs: Databases, make: Callable[[int, float], load.Load], count: int,
                *, window: float | None = None, timeout: float = 60.0) -> Outcome:
    path = dbs.path("apscheduler.db")
    try:
        the_load = make(count, _t0(count))
        peer_jobs.seed(path, the_load)
        args: dict[str, Any] = {"path": str(path)}
        limit = _window(args, the_load.t0, window, count, timeout)
        report = _run_child("peer_fire", args, limit, the_load.t0)
        report["late_start"] = report["started"] > the_load.t0
        report["db_mismatch"] = False
        return _outcome("APScheduler / sqlite", report["fired"], the_load, report, window is None)
    finally:
        dbs.drop(f"sqlite:///{path}")
