"""The real `kairos` process, started on a free port, driven over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

API_KEY = "kr_acceptance_test_key_0123456789abcdef"
KAIROS = str(Path(sys.executable).parent / "kairos")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class KairosProcess:
    """One `kairos <command>` process; `kill()` is `kill -9`, `start()` starts it again."""

    data_dir: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    command: tuple[str, ...] = ("serve",)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/v1/workspaces/default"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "KAIROS_DATA_DIR": str(self.data_dir),
            "KAIROS_PORT": str(self.port),
            "KAIROS_HOST": "127.0.0.1",
            "KAIROS_BOOTSTRAP_API_KEY": API_KEY,
            "KAIROS_MIN_INTERVAL_SECONDS": "1",
            "KAIROS_JOB_LEASE_SECONDS": "4",
            "KAIROS_LOG_LEVEL": "warning",
        })
        env.update(self.env_extra)
        return env

    def start(self, wait: bool = True) -> None:
        self.log_path = self.data_dir / f"kairos-{self.command[0]}-{time.time_ns()}.log"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # The child keeps its own copy of the descriptor; closing ours avoids a ResourceWarning
        # (an error under the project's warnings-as-errors setting).
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen([KAIROS, *self.command], env=self.env(), stdout=log,
                                         stderr=subprocess.STDOUT)
        if wait and self.command[0] in ("serve", "api"):
            self.wait_ready()

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"kairos exited early:\n{self.logs()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"kairos did not become ready:\n{self.logs()}")

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.api, headers={"X-API-Key": API_KEY}, timeout=10)


@pytest.fixture
def kairos_factory(tmp_path: Path) -> Iterator[Any]:
    """Make `KairosProcess`es; all are stopped at the end of the test."""
    made: list[KairosProcess] = []

    def make(**kwargs: Any) -> KairosProcess:
        kwargs.setdefault("data_dir", tmp_path / "data")
        process = KairosProcess(**kwargs)
        made.append(process)
        return process

    yield make
    for process in made:
        process.stop()


@pytest.fixture
def kairos(kairos_factory: Any) -> KairosProcess:
    """A running `kairos serve` on SQLite in a temporary data dir."""
    process: KairosProcess = kairos_factory()
    process.start()
    return process


# --- Helpers for the trigger, crash-recovery and multi-process stories ---------------------------


def job_state(client: httpx.Client, job_id: str) -> dict[str, Any]:
    """GET /jobs/{id}, asserting it answers."""
    response = client.get(f"/jobs/{job_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def finished_job(client: httpx.Client, job_id: str, timeout: float = 10.0) -> dict[str, Any]:
    """Poll a job until it is no longer pending or running; returns its final state."""
    return dict(wait_for(
        lambda: (j := job_state(client, job_id))["status"] not in ("pending", "running") and j,
        timeout=timeout, what=f"job {job_id} to finish",
    ))


def wait_for(check: Any, *, timeout: float = 10.0, interval: float = 0.1, what: str = "condition") -> Any:
    """Poll `check()` until it returns something truthy; fail with the last value at the deadline."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


def parse_time(text: str) -> Any:
    """An RFC 3339 `...Z` timestamp from the API as an aware datetime."""
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def list_all(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list, following `next_cursor`."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 200, **params}
    while True:
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if not page["has_more"]:
            return items
        query["cursor"] = page["next_cursor"]


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records every POST it gets."""

    url: str
    requests: list[dict[str, Any]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            seen.append({"path": self.path, "headers": dict(self.headers.items()),
                         "json": json.loads(raw) if raw else None})
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook", requests=seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


TASK_MODULE = '''
"""Tasks and workflows registered by the acceptance tests (loaded via KAIROS_TASK_MODULES)."""
from kairos.kinds.registry import task, workflow
from kairos.timeutil import isoformat_z


@task("acceptance.record")
def record(*args, ctx, **kwargs):
    return {"args": list(args), "kwargs": kwargs, "job_id": ctx.job_id,
            "schedule_id": ctx.schedule_id, "scheduled_for": isoformat_z(ctx.scheduled_for),
            "attempt": ctx.attempt}


@workflow("acceptance.flow")
def flow(event):
    return {"received": event}


@workflow("workflow-789")
def send_reminder(event):
    return {"reminded": event["schedule_id"]}
'''


@pytest.fixture
def task_module_env(tmp_path: Path) -> dict[str, str]:
    """Environment that makes `kairos` import a module registering extra tasks and workflows."""
    directory = tmp_path / "usercode"
    directory.mkdir()
    (directory / "acceptance_tasks.py").write_text(TASK_MODULE)
    path = os.pathsep.join(p for p in (str(directory), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "KAIROS_TASK_MODULES": "acceptance_tasks"}
