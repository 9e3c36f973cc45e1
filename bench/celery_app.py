"""The Celery side of the end-to-end benchmark: one app, a no-op task, and beat's schedule.

`celery -A bench.celery_app worker` runs the task; `celery -A bench.celery_app beat -S
bench.celery_app:MeasuredScheduler` fires it. Both read the load from the environment, set by
bench/end_to_end.py: KAIROS_BENCH_REDIS_URL (broker and result backend, a db of the bench's own),
KAIROS_BENCH_CELERY_LOAD (JSON [[interval seconds, first run as a Unix time], ...]).

Beat computes an interval entry's next run from the time it last sent it (`last_run_at +
run_every`). `MeasuredScheduler` is beat's own scheduler that, for measuring only, hands the task
that instant (`due`) so lateness can be read from the stored result: `date_done - due`.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from celery.beat import PersistentScheduler, ScheduleEntry

REDIS_URL = os.environ.get("KAIROS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

app = Celery("kairos_bench", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    timezone="UTC", enable_utc=True, task_serializer="json", result_serializer="json",
    accept_content=["json"], result_extended=False, worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True, beat_max_loop_interval=1.0,
)


@app.task(name="bench.noop")
def noop(due: float | None = None) -> dict[str, Any]:
    """The job under test: nothing, returning the instant it was due for (stored with its result)."""
    return {"due": due}


def _beat_schedule() -> dict[str, dict[str, Any]]:
    entries = json.loads(os.environ.get("KAIROS_BENCH_CELERY_LOAD", "[]"))
    return {f"noop-{i}": {"task": "bench.noop", "schedule": timedelta(seconds=interval),
                          "kwargs": {"first": start}}
            for i, (interval, start) in enumerate(entries)}


app.conf.beat_schedule = _beat_schedule()

# The beat-publishing scenario runs this app's beat with KairosScheduler: where Kairos is.
if os.environ.get("KAIROS_BENCH_KAIROS_URL"):
    app.conf.update(kairos_url=os.environ["KAIROS_BENCH_KAIROS_URL"],
                    kairos_api_key=os.environ["KAIROS_BENCH_KAIROS_KEY"], kairos_workspace="default",
                    kairos_beat_name="bench-beat")


class MeasuredScheduler(PersistentScheduler):
    """Beat's persistent scheduler; each entry starts at its first run, and tells its task when it was due."""

    def setup_schedule(self) -> None:
        super().setup_schedule()
        for entry in self.schedule.values():
            first = entry.kwargs.get("first") if entry.kwargs else None
            if first is not None:
                # Due at `first`: beat's interval is measured from the last run.
                entry.last_run_at = datetime.fromtimestamp(first, UTC) - entry.schedule.run_every
                entry.kwargs = {"first": first}

    def apply_async(self, entry: ScheduleEntry, producer: Any = None, advance: bool = True,
                    **kwargs: Any) -> Any:
        assert entry.last_run_at is not None
        # `first` only placed the entry; from now on the task is told when each run was due.
        entry.kwargs = {"due": (entry.last_run_at + entry.schedule.run_every).timestamp()}
        return super().apply_async(entry, producer, advance, **kwargs)
