"""Tasks the test worker runs."""

import time
from pathlib import Path

from proj.celery import app


@app.task(name="proj.tasks.add")
def add(x: int, y: int) -> int:
    return x + y


@app.task(name="proj.tasks.fail")
def fail(message: str) -> None:
    raise ValueError(message)


@app.task(name="proj.tasks.flaky")
def flaky(marker: str, seconds: float) -> str:
    """Fails the first time (leaving `marker`), then takes `seconds` and succeeds."""
    path = Path(marker)
    if not path.exists():
        path.write_text("failed once")
        raise RuntimeError("first attempt fails")
    time.sleep(seconds)
    return "second attempt"
