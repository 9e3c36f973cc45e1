"""What keeps the store fast at a million schedules: index-backed claims, bounded counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from kairos.store.base import Page, ScheduleFilters
from kairos.store.sqlalchemy import paging
from kairos.store.sqlalchemy.firing import FIRING
from kairos.store.sqlalchemy.jobs import PENDING
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore
from kairos.store.sqlalchemy.tables import jobs, schedules
from tests.integration.helpers import make_schedule, workspace_id

T0 = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)


def sqlite_plan(store: SqlStore, query: sa.Select[tuple[object, ...]]) -> str:
    compiled = query.compile(store.db.write_engine, compile_kwargs={"literal_binds": True})
    with store.db.read() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
    return " | ".join(str(row[-1]) for row in rows)


def test_claims_use_the_partial_indexes_on_sqlite(tmp_path: Path) -> None:
    # PostgreSQL's planner matches the index predicate by itself; SQLite needs the same words.
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    upgrade(url)
    store = SqlStore(url)
    due = sa.select(schedules.c.id).where(FIRING, schedules.c.due_at <= T0).order_by(schedules.c.due_at)
    assert "ix_schedules_due" in sqlite_plan(store, due)
    claimable = sa.select(jobs.c.id).where(PENDING, jobs.c.run_after <= T0).order_by(jobs.c.run_after)
    assert "ix_jobs_claimable" in sqlite_plan(store, claimable)
    store.close()


def test_the_count_stops_at_the_cap(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace_id(store, now=T0)
    store.add_schedules([make_schedule(ws, T0, cron_expression="0 * * * *") for _ in range(5)])
    assert store.list_schedules(ws, ScheduleFilters(), Page(limit=2)).total_exact is True
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    page = store.list_schedules(ws, ScheduleFilters(), Page(limit=2))
    assert (page.total, page.total_exact, page.has_more) == (3, False, True)


def test_deep_offsets_point_to_the_cursor(api: TestClient) -> None:
    response = api.get("/schedules", params={"offset": 10_001})
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == ["query", "offset"]
    assert api.get("/schedules", params={"offset": 10_000}).json()["total_exact"] is True
