"""Run a measured loop in a child process and read back its JSON report.

Children are started as `python -m bench.<module> '<json args>'` and print one JSON object on
their last line of stdout. While a child runs, the parent samples its RSS with psutil.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent


class ChildFailed(RuntimeError):
    pass


def run(module: str, args: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """Run `bench.<module>` with `args`; its report plus `peak_rss_sampled` (bytes)."""
    command = [sys.executable, "-m", f"bench.{module}", json.dumps(args)]
    # stderr goes to a file: a chatty child must never block on a full pipe nobody reads.
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors,
                                   text=True)
        try:
            peak = _watch(process, timeout)
            out, _ = process.communicate()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        if process.returncode != 0 or not out.strip():
            errors.seek(0)
            tail = "\n".join(errors.read().strip().splitlines()[-15:])
            raise ChildFailed(f"bench.{module} exited with {process.returncode}:\n{tail}")
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    report["peak_rss_sampled"] = peak
    return report


def _watch(process: subprocess.Popen[str], timeout: float) -> int:
    """Sample the child's RSS until it exits (killed after `timeout` s); the peak, in bytes."""
    watched = psutil.Process(process.pid)
    peak = 0
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        if time.monotonic() > deadline:
            process.kill()
            break
        time.sleep(0.05)
    return peak


def parse_args() -> dict[str, Any]:
    """The JSON arguments a child was started with."""
    parsed: dict[str, Any] = json.loads(sys.argv[1])
    return parsed


def usage() -> tuple[float, int]:
    """CPU seconds (user + system) used so far and peak RSS in bytes, of this process."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime, _high_water_mark() or own.ru_maxrss * 1024


def _high_water_mark() -> int | None:
    # Not ru_maxrss: a child started with vfork + exec inherits the parent's peak in it.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def reply(report: dict[str, Any]) -> None:
    print(json.dumps(report), flush=True)


def sleep_until(epoch: float) -> None:
    delay = epoch - time.time()
    if delay > 0:
        time.sleep(delay)
