"""Job states made by the installed APScheduler 3.x, in a separate interpreter.

The tests' own process never imports APScheduler, so whatever Kairos reads, it reads without it.
`make_job_states(body)` runs `body` with a paused scheduler at hand and returns what `keep` kept:
`keep(name, job, protocol=5, change=None)` pickles `job.__getstate__()` as `SQLAlchemyJobStore`
does, after `change(state)` if given (what someone with write access to the table could do).
"""

from __future__ import annotations

import json
import subprocess
import sys

PRELUDE = """
import json, pickle, sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from apscheduler.schedulers.background import BackgroundScheduler

scheduler = BackgroundScheduler(timezone="UTC")
scheduler.start(paused=True)
kept = {}

def keep(name, job, protocol=pickle.HIGHEST_PROTOCOL, change=None):
    state = job.__getstate__()
    if change is not None:
        change(state)
    kept[name] = pickle.dumps(state, protocol).hex()

def expression(job, field):
    return next(f for f in job.trigger.fields if f.name == field).expressions[0]
"""
EPILOGUE = """
scheduler.shutdown()
json.dump(kept, sys.stdout)
"""


def make_job_states(body: str) -> dict[str, bytes]:
    """Run `body` beside a paused APScheduler; the pickled job states it kept, by name."""
    done = subprocess.run([sys.executable, "-c", PRELUDE + body + EPILOGUE], check=True, timeout=60,
                          capture_output=True, text=True)
    return {name: bytes.fromhex(data) for name, data in json.loads(done.stdout).items()}
