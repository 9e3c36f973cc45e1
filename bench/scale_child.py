"""Child: a scheduler process calling `Scheduler.process_one()` back to back over a big store.

Reports how long each step took (the claim query runs over every stored schedule) and how
long `next_due_at()` (what `run()` asks before it sleeps) takes. Args: url, seconds.
"""

from __future__ import annotations

import time

from bench import child
from bench.report import summary
from kairos.engine.scheduler import Scheduler
from kairos.store.sqlalchemy.store import SqlStore


def main() -> None:
    args = child.parse_args()
    store = SqlStore(args["url"])
    scheduler = Scheduler(store)
    steps: list[float] = []
    cpu_before, _ = child.usage()
    deadline = time.monotonic() + args["seconds"]
    while time.monotonic() < deadline:
        began = time.perf_counter()
        scheduler.process_one()
        steps.append(time.perf_counter() - began)
    next_due: list[float] = []
    for _ in range(20):
        began = time.perf_counter()
        store.next_due_at()
        next_due.append(time.perf_counter() - began)
    cpu_after, peak_rss = child.usage()
    store.close()
    child.reply({"steps": summary(steps), "next_due_at": summary(next_due),
                 "fired": scheduler.fired_total, "cpu_seconds": cpu_after - cpu_before,
                 "peak_rss": peak_rss})


if __name__ == "__main__":
    main()
