"""`GET /metrics`: what the loops did and what waits, in the Prometheus text format (issue 13)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from kairos.api.app import create_app
from kairos.api.auth import bootstrap
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.webhook_receivers import ScriptedReceiver

KEY = "kr_metrics_admin_key"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def wait(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_loops_count_fires_jobs_and_webhooks(store: SqlStore) -> None:
    bootstrap(store, utcnow(), KEY)
    settings = Settings(min_interval_seconds=1, allow_private_networks=True)
    runtime = Runtime.build(settings, store, frozenset({"api", "scheduler", "worker"}))
    with ScriptedReceiver() as receiver, TestClient(create_app(runtime), headers={"X-API-Key": KEY}) as client:
        before = samples(client.get("/metrics").text)
        created = client.post("/api/v1/workspaces/default/schedules", json={
            "interval_seconds": 1, "task": "kairos.echo", "webhook_url": receiver.url})
        assert created.status_code == 201
        wait(lambda: receiver.count() >= 1, "a webhook")
        page = client.get("/metrics")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
        delivered = value(before, "kairos_webhook_deliveries_total", outcome="delivered")
        after = wait(lambda: (found := samples(client.get("/metrics").text)) and value(
            found, "kairos_webhook_deliveries_total", outcome="delivered") > delivered and found,
            "the delivered webhook counted")
    runtime.stop()
    assert value(after, "kairos_fires_total", outcome="job") > value(before, "kairos_fires_total", outcome="job")
    assert value(after, "kairos_fire_lateness_seconds_count") > value(before, "kairos_fire_lateness_seconds_count")
    done = {"kind": "task", "outcome": "completed"}
    assert value(after, "kairos_jobs_finished_total", **done) > value(before, "kairos_jobs_finished_total", **done)
    assert value(after, "kairos_job_duration_seconds_count", kind="task") > \
        value(before, "kairos_job_duration_seconds_count", kind="task")
    for loop in ("scheduler", "worker", "deliverer"):
        assert time.time() - value(after, "kairos_loop_heartbeat_timestamp_seconds", loop=loop) < 30
    for gauge in ("kairos_jobs_pending", "kairos_jobs_running", "kairos_webhook_deliveries_due",
                  "kairos_webhook_oldest_due_seconds"):
        assert (gauge, ()) in after


def test_the_backlog_is_read_from_the_store(api: TestClient, store: SqlStore) -> None:
    for _ in range(3):
        assert api.post("/jobs", json={"task": "kairos.echo"}).status_code == 201
    found = samples(api.get("http://testserver/metrics").text)
    assert value(found, "kairos_jobs_pending") == 3
    assert value(found, "kairos_webhook_oldest_due_seconds") == 0.0


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlStore]:
    """The token and listener tests do not depend on the database: one kind is enough."""
    url = f"sqlite:///{tmp_path / 'metrics.db'}"
    upgrade(url)
    store = SqlStore(url)
    yield store
    store.close()


def test_a_token_can_be_required(sqlite_store: SqlStore) -> None:
    store = sqlite_store
    runtime = Runtime.build(Settings(metrics_token="s3cret"), store, frozenset({"api"}))
    with TestClient(create_app(runtime, start_loops=False)) as client:
        refused = client.get("/metrics")
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_a_loop_process_serves_its_own_metrics(sqlite_store: SqlStore) -> None:
    store = sqlite_store
    from kairos import metrics
    from tests.acceptance.conftest import free_port

    runtime = Runtime.build(Settings(), store, frozenset({"scheduler"}))
    port = free_port()
    stop = metrics.serve(store, runtime.loops, host="127.0.0.1", port=port, token="t")
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 401
        answer = httpx.get(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer t"})
        assert answer.status_code == 200 and "kairos_jobs_pending" in answer.text
    finally:
        stop()
