"""Kairos as the beat: two real `celery beat -S kairos.integrations.celery:KairosScheduler` processes.

Kairos (a real `kairos serve` process) decides when; the beats claim and publish. The worker must
receive every due fire exactly once, with two beats running and after one is killed with -9.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.acceptance.conftest import API_KEY, KairosProcess
from tests.integration.links.conftest import PROJECT, WorkerUrl

pytestmark = pytest.mark.slow


@pytest.fixture
def kairos_url(tmp_path: Path) -> Iterator[str]:
    """A real `kairos serve` process (API, scheduler and workers) on a SQLite file of its own."""
    kairos = KairosProcess(data_dir=tmp_path / "kairos", env_extra={
        "KAIROS_ALLOW_PRIVATE_NETWORKS": "1", "KAIROS_LINK_WATCH_INTERVAL_SECONDS": "0.3"})
    kairos.start()
    try:
        yield kairos.base_url
    finally:
        kairos.stop()


def start_beat(name: str, kairos_url: str, broker: str, tmp: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KAIROS_TEST_BROKER": broker, "KAIROS_TEST_KAIROS_URL": kairos_url,
           "KAIROS_TEST_KAIROS_KEY": API_KEY, "KAIROS_TEST_BEAT_NAME": name}
    with (tmp / f"{name}.log").open("wb") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "proj", "beat", "-S", "kairos.integrations.celery:KairosScheduler",
             "--loglevel=info", f"--pidfile={tmp / (name + '.pid')}", f"--schedule={tmp / name}"],
            cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until(check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def test_two_beats_publish_each_due_fire_once_even_when_one_is_killed(
        kairos_url: str, celery_worker: WorkerUrl, tmp_path: Path) -> None:
    api = httpx.Client(base_url=f"{kairos_url}/api/v1/workspaces/default", headers={"X-API-Key": API_KEY})
    try:
        link = api.post("/scheduler-links", json={"name": "beat", "type": "celery-beat", "publisher": "beat",
                                                  "broker_url": celery_worker,
                                                  "source": {"kind": "json", "beat_schedule": {}}}).json()
        wait_until(lambda: api.get(f"/scheduler-links/{link['id']}").json()["worker_events"]["seen"], 20)
        beats = [start_beat(name, kairos_url, celery_worker, tmp_path) for name in ("beat-a", "beat-b")]
        logs = [tmp_path / f"{name}.log" for name in ("beat-a", "beat-b")]
        try:
            wait_until(lambda: all("scheduler-links:claim" in log.read_text() for log in logs), 60)
            schedule = api.post("/schedules", json={"name": "tick", "interval_seconds": 1, "task": "proj.tasks.add",
                                                    "args": [1, 2], "executor": "celery", "link_id": link["id"],
                                                    "overlap_policy": "allow", "retry_delay_seconds": 1})
            assert schedule.status_code == 201, schedule.text
            sid = schedule.json()["id"]
            time.sleep(4)
            beats[0].send_signal(signal.SIGKILL)
            time.sleep(3)
            api.post(f"/schedules/{sid}/disable")

            def all_ended() -> bool:
                fires = api.get(f"/schedules/{sid}/fires", params={"limit": 200}).json()["items"]
                return bool(fires) and all(f["status"] in ("succeeded", "failed", "cancelled") for f in fires)

            # A fire the killed beat held comes back when its lease (10 s) and the grace (5 s) end.
            wait_until(all_ended, 60)
        finally:
            for beat in beats:
                beat.kill()
                beat.wait(10)
        fires = api.get(f"/schedules/{sid}/fires", params={"limit": 200}).json()["items"]
        assert len(fires) >= 6, fires
        assert all(f["status"] == "succeeded" and f["task_id"] == f["job_id"] for f in fires), fires
        job_ids = {f["job_id"] for f in fires}

        def received() -> Counter[str]:
            return Counter(re.findall(r"proj\.tasks\.add\[(job_[0-9a-f-]+)\] received", celery_worker.log.read_text()))

        # The worker's log is written after the outcome events: give its last lines time to land.
        wait_until(lambda: job_ids <= set(received()), 20)
        counts = received()
        assert {job: counts[job] for job in job_ids} == dict.fromkeys(job_ids, 1)
        # A report that comes after the worker's events is no lost lease: no beat was told so.
        assert not [log for log in logs if "took back" in log.read_text()]
    finally:
        api.close()
