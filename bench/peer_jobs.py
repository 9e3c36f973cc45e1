"""APScheduler 3 side: the no-op job, its SQLite engine, and seeding its SQLAlchemyJobStore.

The engine gets the pragmas Kairos uses on SQLite (WAL, synchronous=NORMAL) so that both pay
the same price per commit. Seeding writes the job rows exactly as `SQLAlchemyJobStore.add_job`
does (id, next run as a Unix time, pickled job state), in one transaction instead of one per job,
like Kairos' own seeding; the scheduler under test then starts on that store.
"""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import event

from bench.load import Load

# Appended to by `tick` in the scheduler's worker threads (list.append is atomic).
ticks: list[float] = []
JOB_REF = "bench.peer_jobs:tick"


def tick() -> None:
    """The job under test: record that it ran, nothing else."""
    ticks.append(time.time())


def engine(path: Path) -> sa.Engine:
    result = sa.create_engine(f"sqlite:///{path}")

    @event.listens_for(result, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return result


def job_defaults() -> dict[str, Any]:
    """Every run must happen, however late, and runs may overlap (Kairos: run_all + allow)."""
    return {"misfire_grace_time": 3600, "coalesce": False, "max_instances": 100_000}


def seed(path: Path, load: Load) -> None:
    db = engine(path)
    store = SQLAlchemyJobStore(engine=db)
    store.jobs_t.create(db, checkfirst=True)
    owner = BackgroundScheduler(timezone=UTC)
    rows = []
    for index, (interval, start) in enumerate(load.entries):
        first = datetime.fromtimestamp(start, UTC)
        job = Job(owner, id=f"tick-{index}", func=JOB_REF, args=(), kwargs={}, name="tick",
                  trigger=IntervalTrigger(seconds=interval, start_date=first, timezone=UTC),
                  executor="default", next_run_time=first, **job_defaults())
        rows.append({"id": job.id, "next_run_time": start,
                     "job_state": pickle.dumps(job.__getstate__(), store.pickle_protocol)})
    with db.begin() as conn:
        conn.execute(store.jobs_t.insert(), rows)
    db.dispose()

