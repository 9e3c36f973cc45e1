"""Tasks the test worker runs."""

from proj.celery import app


@app.task(name="proj.tasks.add")
def add(x: int, y: int) -> int:
    return x + y


@app.task(name="proj.tasks.fail")
def fail(message: str) -> None:
    raise ValueError(message)
