"""Prometheus metrics: what the loops count as they go, and what the store holds when scraped.

The loops call `fires_recorded`, `job_finished` and `delivery_attempted` (one line each); the
backlog (due jobs, due webhook deliveries) and the loops' heartbeats are read at scrape time, so
they are true however many processes share the database. Each process (`kairos serve`, `api`,
`scheduler`, `worker`) exposes its own: the API at `GET /metrics`, the others on
`KAIROS_METRICS_PORT`. docs/metrics.md lists every metric and starter alert rules.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from kairos.store.base import FireBatch, Store
from kairos.timeutil import utcnow

if TYPE_CHECKING:
    from kairos.engine.loop import StepLoop

# Kairos's own registry: the client library's default one would mix in whatever else the
# embedding process registers.
REGISTRY = CollectorRegistry()
LATENESS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

FIRES = Counter("kairos_fires", "Schedule fires recorded by this process's scheduler, by outcome "
                "(job: a job was created; skipped: the overlap or misfire policy skipped it; "
                "duplicate: another scheduler had recorded it)", ["outcome"], registry=REGISTRY)
FIRE_LATENESS = Histogram("kairos_fire_lateness_seconds", "How long after its due time each fire was "
                          "recorded", buckets=LATENESS_BUCKETS, registry=REGISTRY)
JOBS = Counter("kairos_jobs_finished", "Jobs this process's workers finished, by kind and outcome "
               "(completed, failed, cancelled, retry)", ["kind", "outcome"], registry=REGISTRY)
JOB_DURATION = Histogram("kairos_job_duration_seconds", "Run time of the jobs this process finished",
                         ["kind"], buckets=DURATION_BUCKETS, registry=REGISTRY)
DELIVERIES = Counter("kairos_webhook_deliveries", "Webhook attempts this process made, by outcome "
                     "(delivered, retry, failed)", ["outcome"], registry=REGISTRY)


def fires_recorded(batch: FireBatch) -> None:
    """Count one scheduler step's fires."""
    if batch.jobs:
        FIRES.labels("job").inc(batch.jobs)
    if batch.fires > batch.jobs:
        FIRES.labels("skipped").inc(batch.fires - batch.jobs)
    if batch.duplicates:
        FIRES.labels("duplicate").inc(batch.duplicates)
    for seconds in batch.lateness:
        FIRE_LATENESS.observe(max(0.0, seconds))


def job_finished(kind: str, outcome: str, started_at: datetime | None, now: datetime) -> None:
    """Count a job whose outcome was recorded (`retry` when it waits for another attempt)."""
    JOBS.labels(kind, outcome).inc()
    if started_at is not None:
        JOB_DURATION.labels(kind).observe(max(0.0, (now - started_at).total_seconds()))


def delivery_attempted(outcome: str) -> None:
    DELIVERIES.labels(outcome).inc()


class StateCollector(Collector):
    """The backlog in the store and the heartbeat of each loop, read on every scrape."""

    def __init__(self, store: Store, loops: Callable[[], Iterable[tuple[str, StepLoop]]]) -> None:
        self.store = store
        self.loops = loops

    def collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = self.store.backlog(utcnow())
        yield GaugeMetricFamily("kairos_jobs_pending", "Jobs due to run and not yet claimed",
                                value=backlog.pending_jobs)
        yield GaugeMetricFamily("kairos_jobs_running", "Jobs claimed by a worker", value=backlog.running_jobs)
        yield GaugeMetricFamily("kairos_webhook_deliveries_due", "Webhook deliveries due and not yet sent",
                                value=backlog.due_deliveries)
        yield GaugeMetricFamily("kairos_webhook_oldest_due_seconds", "How long the oldest due webhook "
                                "delivery has waited (0 when none is due)", value=backlog.oldest_due_delivery_seconds)
        beats = GaugeMetricFamily("kairos_loop_heartbeat_timestamp_seconds", "When each loop of this process "
                                  "last completed a step (Unix time)", labels=["loop"])
        now_wall, now_mono = time.time(), time.monotonic()
        for name, loop in self.loops():
            if loop.last_tick_at is not None:
                beats.add_metric([name], now_wall - (now_mono - loop.last_tick_at))
        yield beats


def exposition(store: Store, loops: Callable[[], Iterable[tuple[str, StepLoop]]]) -> bytes:
    """The text a scrape gets: this process's counters, then the state read now."""
    state = CollectorRegistry()
    state.register(StateCollector(store, loops))
    return generate_latest(REGISTRY) + generate_latest(state)


def token_ok(expected: str, authorization: str | None) -> bool:
    """With a token configured, a scrape must send `Authorization: Bearer <token>`."""
    if not expected:
        return True
    scheme, _, value = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), expected.encode())


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def serve(store: Store, loops: Callable[[], Iterable[tuple[str, StepLoop]]], *, host: str, port: int,
          token: str = "") -> Callable[[], None]:
    """Serve `/metrics` on host:port in a thread (for `kairos scheduler` and `kairos worker`); returns stop."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"only /metrics is served here\n"]
        if not token_ok(token, environ.get("HTTP_AUTHORIZATION")):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")])
            return [b"send Authorization: Bearer <KAIROS_METRICS_TOKEN>\n"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [exposition(store, loops)]

    server = make_server(host, port, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="kairos-metrics", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return stop
