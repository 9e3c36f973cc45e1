"""Real HTTP receivers on 127.0.0.1 for the webhook stories: scripted answers, recorded requests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG = "hang"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedReceiver:
    """Answers its POSTs with `script` in turn (a status code, or HANG until released), then 200.

    A 3xx answer carries `Location: <redirect_to>`. Use it as a context manager.
    """

    def __init__(self, script: list[int | str] | None = None, *, redirect_to: str | None = None,
                 answer: bytes = b"ok") -> None:
        self.script = list(script or [])
        self.answer = answer
        self.redirect_to = redirect_to
        self.requests: list[Received] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.requests.append(Received(self.path, dict(self.headers.items()), raw))
                    answer = receiver.script.pop(0) if receiver.script else 200
                if answer == HANG:
                    receiver.release.wait(60)
                    answer = 200
                code = int(answer)
                self.send_response(code)
                if 300 <= code < 400 and receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def __enter__(self) -> ScriptedReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def wait_until(check: Any, *, timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll `check()` until it is truthy; fail with the last value at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        time.sleep(0.02)


# --- Schedules with a webhook, and jobs finished the way a worker finishes them -----------------

def schedule_with_webhook(store: Any, url: str | None, **fields: Any) -> Any:
    """A stored task schedule (hourly) whose webhook goes to `url` (private addresses allowed)."""
    from kairos.domain.definition import Limits, build_schedule
    from kairos.ids import new_id
    from kairos.kinds.catalog import KINDS
    from kairos.timeutil import utcnow
    from tests.integration.helpers import workspace_id

    fields.setdefault("task", "kairos.echo")
    fields.setdefault("interval_seconds", 3600)
    if url is not None:
        fields["webhook_url"] = url
    schedule = build_schedule(fields, schedule_id=new_id("sched"), workspace_id=workspace_id(store),
                              now=utcnow(), limits=Limits(min_interval_seconds=1, allow_private_networks=True),
                              kinds=KINDS.rulebook)
    store.add_schedules([schedule])
    return schedule


def finish_job(store: Any, schedule: Any, result: Any = None, *, status: str = "completed",
               error: str | None = None, retry: bool = False, items: list[Any] | None = None) -> Any:
    """Fire `schedule` now, claim its job and end it with this outcome; returns the job.

    `status` is completed, failed or cancelled (by request); `retry` fails an attempt that still
    has attempts after it.
    """
    import dataclasses

    from kairos.domain.finish import CancelReason, JobOutcome
    from kairos.domain.jobs import JobStatus
    from kairos.timeutil import utcnow
    from tests.integration.helpers import finish

    job = store.fire_now(schedule.workspace_id, schedule.id, utcnow())
    claimed = store.claim_jobs("test-worker", utcnow(), 100, 30)
    assert job.id in {j.id for j in claimed}
    if status == "cancelled":
        outcome = JobOutcome.cancelled(CancelReason.REQUESTED)
    else:
        outcome = JobOutcome(status=JobStatus(status), result=result, error_message=error, items=items)
    if retry:
        job = dataclasses.replace(job, max_attempts=job.attempt + 1)
    assert finish(store, job, "test-worker", outcome, utcnow())
    return store.get_job(schedule.workspace_id, job.id)
