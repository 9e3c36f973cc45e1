"""The links watcher serves every workspace: one workspace's broken link is noted on that link, never fatal.

The broken links fail before any connection, or talk to a server that never answers; the healthy
one's job is ended by the outcome timeout.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from kairos.domain.jobs import FireTrigger
from kairos.domain.links import SchedulerLink
from kairos.engine.finish import JobFinisher
from kairos.ids import new_id
from kairos.integrations.celery.publish import CeleryApps
from kairos.integrations.sources import SourcePolicy
from kairos.integrations.watcher import LinkWatcher
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.helpers import make_schedule, workspace_id
from tests.integration.links.services import WORKER_BROKER, require_redis


def test_one_workspaces_broken_link_does_not_stop_the_watcher_for_the_others(sqlite_store: SqlStore) -> None:
    now = utcnow()
    team_a, team_b = workspace_id(sqlite_store, "team-a"), workspace_id(sqlite_store, "team-b")
    # Saved before Kairos checked the driver part of the scheme: SQLAlchemy cannot load it.
    broken = SchedulerLink(id=new_id("link"), workspace_id=team_a, name="old", type="apscheduler", source={
        "kind": "sqlalchemy", "database_url": "postgresql+nosuch://db.example/jobs",
        "tablename": "apscheduler_jobs", "version": 3}, created_at=now, updated_at=now)
    fleet = SchedulerLink(id=new_id("link"), workspace_id=team_b, name="fleet", type="celery-beat",
                          source={"kind": "json", "beat_schedule": {}}, created_at=now, updated_at=now)
    for link in (broken, fleet):
        sqlite_store.add_link(link)
    schedule = make_schedule(team_b, now, name="adder", interval_seconds=60, task="proj.tasks.add")
    sqlite_store.add_schedules([schedule])
    hour_ago = now - timedelta(hours=1)
    job = sqlite_store.start_celery_fire(schedule, link_id=fleet.id, job_id=new_id("job"), fire_id=new_id("fire"),
                                         task_id=new_id("job"), scheduled_for=hour_ago, trigger=FireTrigger.MANUAL,
                                         now=hour_ago)
    assert job is not None

    watcher = LinkWatcher(sqlite_store, JobFinisher(sqlite_store), CeleryApps(),
                          SourcePolicy(allow_private_networks=True), outcome_timeout=60)
    try:
        watcher.step()
    finally:
        watcher.drain()

    ended = sqlite_store.get_job(team_b, job.id)
    assert ended.status == "failed" and str(ended.error_message).startswith("outcome unknown"), ended
    noted = sqlite_store.get_link(team_a, broken.id).state["poll_error"]
    assert "NoSuchModuleError" in noted and "nosuch" in noted, noted


@contextmanager
def silent_server() -> Iterator[tuple[str, list[socket.socket]]]:
    """A TCP server that accepts connections and never answers: a hung result backend."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", accepted
    finally:
        server.close()
        for conn in accepted:
            conn.close()


def test_a_result_backend_that_never_answers_costs_one_timeout_per_pass(sqlite_store: SqlStore) -> None:
    require_redis()
    now = utcnow()
    team = workspace_id(sqlite_store, "team")
    schedule = make_schedule(team, now, name="adder", interval_seconds=60, task="proj.tasks.add")
    sqlite_store.add_schedules([schedule])
    with silent_server() as (backend, accepted):
        fleet = SchedulerLink(id=new_id("link"), workspace_id=team, name="fleet", type="celery-beat",
                              source={"kind": "json", "beat_schedule": {}}, broker_url=WORKER_BROKER,
                              result_backend=backend, created_at=now, updated_at=now)
        sqlite_store.add_link(fleet)
        for minutes in range(1, 6):  # five jobs waiting long enough to ask the backend about
            at = now - timedelta(minutes=minutes)
            sqlite_store.start_celery_fire(schedule, link_id=fleet.id, job_id=new_id("job"), fire_id=new_id("fire"),
                                           task_id=new_id("job"), scheduled_for=at, trigger=FireTrigger.MANUAL,
                                           now=at)
        watcher = LinkWatcher(sqlite_store, JobFinisher(sqlite_store), CeleryApps(),
                              SourcePolicy(allow_private_networks=True), outcome_timeout=3600)
        stepped = threading.Event()

        def step() -> None:
            watcher.step()
            stepped.set()

        started = time.monotonic()
        threading.Thread(target=step, daemon=True).start()
        try:
            assert stepped.wait(40), "the watcher's step hung on the silent result backend"
            took = time.monotonic() - started
        finally:
            watcher.drain()
        noted = sqlite_store.get_link(team, fleet.id).state["result_backend_error"]
        assert "imeout" in noted, noted
        assert took < 25 and len(accepted) == 1, (took, len(accepted))  # one question, then the next link
