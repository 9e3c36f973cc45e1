"""Child: APScheduler 3 `BackgroundScheduler` on its SQLAlchemyJobStore (SQLite), same load.

Executions are counted by the job function itself (`peer_jobs.tick`); lateness is the time the
EVENT_JOB_EXECUTED listener runs (right after the job function returned, in the executor's
thread) minus the event's `scheduled_run_time`.

Args: path, until (Unix time to stop) or expected + timeout.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC
from pathlib import Path

from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bench import child, peer_jobs
from bench.report import summary


def main() -> None:
    args = child.parse_args()
    lateness: list[tuple[float, float]] = []
    expected = args.get("expected")
    done = threading.Event()

    def executed(event: JobExecutionEvent) -> None:
        now = time.time()
        lateness.append((now, now - event.scheduled_run_time.timestamp()))
        if expected is not None and len(peer_jobs.ticks) >= expected:
            done.set()

    store = SQLAlchemyJobStore(engine=peer_jobs.engine(Path(args["path"])))
    scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=UTC)
    scheduler.add_listener(executed, EVENT_JOB_EXECUTED)
    cpu_before, _ = child.usage()
    started = time.time()
    scheduler.start()
    if "until" in args:
        child.sleep_until(args["until"])
    else:
        done.wait(args["timeout"])
    stopped = time.time()
    cpu_after, peak_rss = child.usage()
    scheduler.shutdown(wait=False)
    runs = [t for t in peer_jobs.ticks if t <= stopped]
    child.reply({
        "started": started, "stopped": stopped, "fired": len(runs),
        "last_commit": max(runs, default=0.0),
        "lateness": summary([late for at, late in lateness if at <= stopped]),
        "cpu_seconds": cpu_after - cpu_before, "peak_rss": peak_rss,
    })
    # A scheduler that fell behind leaves thousands of runs queued in its thread pool, and
    # the interpreter would wait for all of them at exit: the report is out, leave now.
    os._exit(0)


if __name__ == "__main__":
    main()
