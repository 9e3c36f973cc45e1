"""`python -m bench [--quick] [--only NAME]`: run the scenarios and print their tables."""

from __future__ import annotations

import argparse
import logging
import platform
import time
from collections.abc import Callable

import apscheduler
import psutil

import kairos
from bench import beat_publish, change_check, end_to_end, extraction, fire_rate, links_import, reddit, scale
from bench.databases import PG_ADMIN_URL, Databases
from bench.sizes import FULL, QUICK, Sizes

SCENARIOS: dict[str, Callable[[Sizes, Databases], None]] = {
    "sustained": fire_rate.sustained,
    "light": fire_rate.below_saturation,
    "burst": fire_rate.burst,
    "e2e": end_to_end.end_to_end,
    "extraction": extraction.extraction,
    "changes": change_check.change_check,
    "scale": scale.scale,
    "links": links_import.links_import,
    "beat": beat_publish.beat_publish,
    "reddit": reddit.reddit,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes and shorter windows (about two minutes in all)")
    parser.add_argument("--only", choices=sorted(SCENARIOS), help="run one scenario")
    options = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sizes = QUICK if options.quick else FULL
    dbs = Databases()
    print(f"Kairos {kairos.__version__} vs APScheduler {apscheduler.__version__}; "
          f"Python {platform.python_version()}; {psutil.cpu_count()} CPUs; "
          f"{'quick' if options.quick else 'full'} run")
    if not dbs.has_postgres:
        print(f"PostgreSQL at {PG_ADMIN_URL} does not answer: PostgreSQL rows are skipped")
    started = time.monotonic()
    try:
        for name, scenario in SCENARIOS.items():
            if options.only in (None, name):
                scenario(sizes, dbs)
    finally:
        dbs.close()
    print(f"\ntotal bench time {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
