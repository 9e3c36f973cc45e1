"""The links watcher serves every workspace: one workspace's broken link is noted on that link, never fatal.

No outside service: the broken link fails before any connection, and the healthy one's job is
ended by the outcome timeout.
"""

from __future__ import annotations

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
