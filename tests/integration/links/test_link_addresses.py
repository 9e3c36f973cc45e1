"""A link's addresses are checked before each connection, not only when it is saved.

The link below was saved while its broker's name resolved to a public address (here: while the
operator allowed private networks); now it resolves to a private one, and Kairos must neither
trigger nor publish to it. Nothing consumes the broker: whatever reached it would sit there.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.links.conftest import ADMIN_KEY, make_api
from tests.integration.links.services import WORKER_BROKER, require_redis

pytestmark = pytest.mark.slow
BEAT = {"adder": {"task": "proj.tasks.add", "schedule": 30, "args": [2, 3]}}


@pytest.fixture
def guarded(sqlite_store: SqlStore) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """Kairos with the guard on (loops running), and a link saved while it was off."""
    from kairos.api.app import create_app
    from kairos.runtime import Runtime
    from kairos.settings import Settings

    require_redis()
    setup = make_api(sqlite_store, allow_private_networks=True)
    link = setup.post("/scheduler-links", json={"name": "fleet", "type": "celery-beat", "broker_url": WORKER_BROKER,
                                                "source": {"kind": "json", "beat_schedule": BEAT}}).json()
    assert setup.post("/schedules:import", json={}).status_code == 200
    schedule = setup.get("/schedules").json()["items"][0]
    runtime = Runtime.build(Settings(link_watch_interval_seconds=0.3), sqlite_store,
                            frozenset({"api", "scheduler", "worker"}))
    with TestClient(create_app(runtime), base_url="http://testserver/api/v1/workspaces/default",
                    headers={"X-API-Key": ADMIN_KEY}) as client:
        yield client, {"link": link["id"], "schedule": schedule["id"]}


def test_trigger_refuses_a_broker_that_now_resolves_to_a_private_address(
        guarded: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = guarded
    refused = client.post(f"/schedules/{ids['schedule']}/trigger")
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"][0]["loc"][-1] == "broker_url"
    assert client.get(f"/schedules/{ids['schedule']}/fires").json()["items"] == []


def test_a_celery_job_is_not_published_to_a_broker_that_now_resolves_to_a_private_address(
        guarded: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = guarded
    created = client.post("/jobs", json={"task": "proj.tasks.add", "args": [1, 2], "executor": "celery",
                                         "link_id": ids["link"]})
    assert created.status_code == 201, created.text
    deadline = time.monotonic() + 20
    while (job := client.get(f"/jobs/{created.json()['id']}").json())["status"] in ("pending", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["status"] == "failed" and job["task_id"] is None, job
    assert "private, loopback or local address" in job["error_message"], job
