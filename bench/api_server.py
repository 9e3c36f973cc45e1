"""A real `kairos api` (API role only) or `kairos serve` (API, scheduler, workers) process on a free local port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from bench.databases import API_KEY


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def kairos_api(url: str, data_dir: Path, role: str = "api",
               env: dict[str, str] | None = None) -> Iterator[tuple[httpx.Client, psutil.Process]]:
    """A client authenticated with the run's admin key, and the server process (`kairos <role>`)."""
    port = _free_port()
    env = {**os.environ, "KAIROS_DATABASE_URL": url, "KAIROS_BOOTSTRAP_API_KEY": API_KEY,
           "KAIROS_HOST": "127.0.0.1", "KAIROS_PORT": str(port), "KAIROS_LOG_LEVEL": "warning",
           "KAIROS_DATA_DIR": str(data_dir), **(env or {})}
    command = [str(Path(sys.executable).with_name("kairos")), role]
    log = data_dir / f"{role}.log"
    with log.open("w") as sink:
        server = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": API_KEY},
                          timeout=30)
    try:
        _wait_ready(client, server, log)
        yield client, psutil.Process(server.pid)
    finally:
        client.close()
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_ready(client: httpx.Client, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"kairos exited: {log.read_text()[-2000:]}")
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("kairos did not answer /healthz within 60 s")
