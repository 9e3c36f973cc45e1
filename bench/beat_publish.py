"""Kairos as the beat: how fast `celery beat -S kairos.integrations.celery:KairosScheduler` publishes
1,000 fires due at one instant, beside beat's own `PersistentScheduler` publishing the same load.

Kairos: one real `kairos serve` holds 1,000 `once` schedules due at T (executor `celery`, a link whose
publisher is the beat); a real `celery beat` process with `KairosScheduler` claims the fires under
its lease, publishes them to a Redis db of the bench's own and reports them back. Peer: a real
`celery beat` with beat's `PersistentScheduler` (bench/celery_app.py's `MeasuredScheduler`, which
only places each entry's first run at T) publishing 1,000 entries due at T.

No worker runs: a reader pops each message off the broker's queue as it lands and notes the time,
so lateness is "on the broker" minus T, the same measure for both. Each runs alone, one after the
other, with the same due count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import redis

from bench.api_server import kairos_api
from bench.databases import API_KEY, Databases, prepare
from bench.report import ms, rate, ratio, summary, table
from bench.sizes import Sizes

ROOT = Path(__file__).parent.parent
FIRES = 1_000
KAIROS_DB, PEER_DB = 9, 10  # Redis databases of this scenario's own (the e2e scenario uses 13)
LEAD = 6.0  # seconds between "all set up" and T
WAIT = 60.0  # at most this long after T for the last message


@dataclass
class Published:
    name: str
    seen: int
    lateness: dict[str, float | int | None]
    per_second: float | None
    note: str = ""


class QueueReader(threading.Thread):
    """Pops Celery messages off the `celery` list of one Redis db, noting when each one landed."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.client = redis.Redis.from_url(url)
        self.landed: dict[str, float] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            popped = self.client.brpop(["celery"], timeout=0.2)
            if popped is None:
                continue
            now = time.time()
            message = json.loads(popped[1])
            self.landed.setdefault(message["headers"]["id"], now)

    def wait_for(self, count: int, deadline: float) -> None:
        while len(self.landed) < count and time.time() < deadline:
            time.sleep(0.05)
        self.stopping.set()
        self.join(5)
        self.client.close()


def _result(name: str, reader: QueueReader, due: float, note: str = "") -> Published:
    late = [landed - due for landed in reader.landed.values()]
    last = max(reader.landed.values(), default=None)
    per_second = len(late) / (last - due) if last is not None and last > due else None
    return Published(name, len(late), summary(late), per_second, note)


def _beat(scheduler: str, env: dict[str, str], log: Path, schedule_file: Path) -> subprocess.Popen[bytes]:
    with log.open("w") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bench.celery_app", "beat", "-S", scheduler,
             "--schedule", str(schedule_file), "-l", "warning"],
            cwd=ROOT, env={**os.environ, **env}, stdout=sink, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _kairos(dbs: Databases) -> Published:
    broker = f"redis://127.0.0.1:6379/{KAIROS_DB}"
    redis.Redis.from_url(broker).flushdb()
    url = dbs.new("sqlite", "beat")
    try:
        prepare(url)[0].close()
        env = {"KAIROS_ALLOW_PRIVATE_NETWORKS": "true"}  # the default 8 worker threads hand fires over
        with kairos_api(url, dbs.dir, role="serve", env=env) as (client, _):
            base = "/api/v1/workspaces/default"
            link = client.post(f"{base}/scheduler-links", json={
                "name": "bench beat", "type": "celery-beat", "publisher": "beat", "broker_url": broker,
                "source": {"kind": "json", "beat_schedule": {}}})
            link.raise_for_status()
            # T leaves room to store the schedules and start the beat (about 2 s each here).
            due = time.time() + 15
            when = datetime.fromtimestamp(due, UTC).isoformat()
            made = client.post(f"{base}/schedules:batch", json={"items": [
                {"name": f"publish {i}", "run_at": when, "task": "bench.noop", "executor": "celery",
                 "link_id": link.json()["id"]} for i in range(FIRES)]}, timeout=120)
            made.raise_for_status()
            reader = QueueReader(broker)
            reader.start()
            beat = _beat("kairos.integrations.celery:KairosScheduler",
                         {"KAIROS_BENCH_REDIS_URL": broker, "KAIROS_BENCH_KAIROS_URL": str(client.base_url),
                          "KAIROS_BENCH_KAIROS_KEY": API_KEY}, dbs.dir / "beat-kairos.log", dbs.dir / "beat-kairos")
            try:
                late_start = time.time() - due
                note = f"the beat started {late_start:.1f} s after T" if late_start > 0 else ""
                reader.wait_for(FIRES, due + WAIT)
            finally:
                _stop(beat)
        return _result("KairosScheduler (kairos serve / SQLite)", reader, due, note)
    finally:
        dbs.drop(url)
        redis.Redis.from_url(broker).flushdb()


def _peer(dbs: Databases) -> Published:
    broker = f"redis://127.0.0.1:6379/{PEER_DB}"
    redis.Redis.from_url(broker).flushdb()
    reader = QueueReader(broker)
    reader.start()
    due = time.time() + LEAD
    # One run each: an interval far longer than the window, first run at T.
    load = json.dumps([[3600, due]] * FIRES)
    beat = _beat("bench.celery_app:MeasuredScheduler", {"KAIROS_BENCH_REDIS_URL": broker,
                                                         "KAIROS_BENCH_CELERY_LOAD": load},
                 dbs.dir / "beat-peer.log", dbs.dir / "beat-peer")
    try:
        reader.wait_for(FIRES, due + WAIT)
    finally:
        _stop(beat)
        redis.Redis.from_url(broker).flushdb()
    return _result("Celery beat PersistentScheduler", reader, due)


def beat_publish(sizes: Sizes, dbs: Databases) -> None:
    runs = [_kairos(dbs), _peer(dbs)]
    peer = runs[-1]
    rows = [[r.name, f"{r.seen:,} of {FIRES:,}", rate(r.per_second), ms(r.lateness["p50"]),
             ms(r.lateness["p99"]), ms(r.lateness["max"]),
             ratio(r.per_second, peer.per_second) if r is not peer else "1.00x",
             ratio(r.lateness["p99"], peer.lateness["p99"]) if r is not peer else "1.00x"]
            for r in runs]
    table(f"Beat publishing: {FIRES:,} fires due at one instant, published to Redis (no worker)",
          ["beat", "published", "fires/s", "late p50", "late p99", "late max", "fires/s vs beat",
           "p99 vs beat"], rows,
          notes=[*(f"{r.name}: {r.note}" for r in runs if r.note),
                 "fires/s = published / (last on the broker - T); lateness = on the broker - T. Kairos's "
                 "figure includes the claim and the report of each batch over HTTP, and the beat's 1 s poll."])
