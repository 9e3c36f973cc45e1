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
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen([KAIROS, *self.command], env=self.env(), stdout=log,
                                     stderr=subprocess.STDOUT)
        if wait and self.command[0] in ("serve", "api"):
            self.wait_ready()

    def wait_ready(self, timeout: float = 30.0) -> None:
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
