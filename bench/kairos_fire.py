"""Child: run the real Kairos `Scheduler` loop in a thread and report what it fired and when.

Lateness is measured at commit: `FireBatch.lateness` is taken at claim time (`now` passed to
`fire_due`), so the time from that claim to the batch's commit is added to every fire in it.
`on_fired` runs right after `fire_due` returned, that is after the commit.

Args: url, until (Unix time to stop) or expected + timeout (stop once that many fired).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from bench import child
from bench.report import summary
from kairos.engine.scheduler import Scheduler
from kairos.store.base import FireBatch
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow


class Recorder:
    """The scheduler's clock and `on_fired` hook: remembers each claim time and fire lateness."""

    def __init__(self, expected: int | None) -> None:
        self.claimed_at = utcnow()
        self.lateness: list[float] = []
        self.fired = 0
        self.expected = expected
        self.last_commit = 0.0
        self.done = threading.Event()

    def clock(self) -> datetime:
        self.claimed_at = utcnow()
        return self.claimed_at

    def on_fired(self, batch: FireBatch) -> None:
        committed = utcnow()
        delay = (committed - self.claimed_at).total_seconds()
        self.lateness.extend(late + delay for late in batch.lateness)
        self.fired += batch.fires
        self.last_commit = committed.timestamp()
        if self.expected is not None and self.fired >= self.expected:
            self.done.set()


def main() -> None:
    args = child.parse_args()
    store = SqlStore(args["url"])
    recorder = Recorder(args.get("expected"))
    scheduler = Scheduler(store, clock=recorder.clock, on_fired=recorder.on_fired)
    loop = threading.Thread(target=scheduler.run, name="kairos-scheduler", daemon=True)
    cpu_before, _ = child.usage()
    started = time.time()
    loop.start()
    if "until" in args:
        child.sleep_until(args["until"])
    else:
        recorder.done.wait(args["timeout"])
    scheduler.stop()
    loop.join()
    stopped = time.time()
    cpu_after, peak_rss = child.usage()
    store.close()
    child.reply({
        "started": started, "stopped": stopped, "fired": recorder.fired,
        "last_commit": recorder.last_commit, "lateness": summary(recorder.lateness),
        "cpu_seconds": cpu_after - cpu_before, "peak_rss": peak_rss,
    })


if __name__ == "__main__":
    main()
