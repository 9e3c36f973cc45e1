"""`/readyz`: the database answers and every loop this process runs is ticking."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from kairos.api.app import create_app
from kairos.api.routers.health import STALE_AFTER_SECONDS
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.store import SqlStore
from tests.acceptance.conftest import wait_for


def test_ready_when_every_loop_ticks_and_not_when_one_is_stuck(store: SqlStore) -> None:
    runtime = Runtime.build(Settings(), store, frozenset({"api", "scheduler", "worker"}))
    with TestClient(create_app(runtime, start_loops=True)) as client:
        ready = wait_for(lambda: (r := client.get("/readyz")).status_code == 200 and r.json(),
                         what="every loop to tick once")
        assert ready["checks"] == {"database": "ok", "scheduler": "ok", "worker": "ok", "deliverer": "ok"}

        # A deliverer that stopped ticking (stuck, or its thread died) makes the process unready.
        assert runtime.deliverer is not None
        runtime.deliverer.stop()
        wait_for(lambda: not any(t.name == "kairos-deliverer" and t.is_alive() for t in runtime.threads),
                 what="the deliverer's thread to end")
        runtime.deliverer.last_tick_at = time.monotonic() - STALE_AFTER_SECONDS - 1
        stuck = client.get("/readyz")
        assert stuck.status_code == 503
        assert stuck.json()["checks"]["deliverer"] == "stalled"
