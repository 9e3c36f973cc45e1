"""A batch of linked schedules is all or nothing in the scheduler's store too (SPEC 3, 8)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.links.conftest import make_api
from tests.integration.links.test_links_celery_sources import django_template, sql

__all__ = ["django_template"]  # the fixture, shared with the sources tests

ENTRIES = "SELECT name FROM django_celery_beat_periodictask WHERE name LIKE 'batch.%' ORDER BY name"


@pytest.fixture
def api(sqlite_store: SqlStore) -> Iterator[TestClient]:
    with make_api(sqlite_store, allow_private_networks=True) as client:
        yield client


def _item(name: str, **fields: object) -> dict[str, object]:
    return {"name": name, "scheduler": "celery-beat", "task": "proj.tasks.add", "args": [1, 2],
            "interval_seconds": 3600, **fields}


def test_a_bad_item_writes_no_entry_of_the_batch(api: TestClient, django_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "beat.db"
    db.write_bytes(django_template.read_bytes())
    link = api.post("/scheduler-links", json={
        "name": "django", "type": "celery-beat", "source": {"kind": "django-celery-beat",
                                                            "database_url": f"sqlite:///{db}"}})
    assert link.status_code == 201, link.text
    bad = api.post("/schedules:batch", json={"items": [
        _item("batch.first"), _item("batch.second", cron_expression="61 * * * *", interval_seconds=None)]})
    assert bad.status_code == 400, bad.text
    assert {tuple(e["loc"][:3]) for e in bad.json()["errors"]} == {("body", "items", 1)}, bad.json()
    assert sql(db, ENTRIES) == []
    assert api.get("/schedules", params={"scheduler": "celery-beat"}).json()["items"] == []

    good = api.post("/schedules:batch", json={"items": [_item("batch.first"), _item("batch.second")]})
    assert good.status_code == 201, good.text
    assert sql(db, ENTRIES) == [("batch.first",), ("batch.second",)]
    assert {s["link_id"] for s in good.json()["items"]} == {link.json()["id"]}

    # An entry is written by its name: a name the scheduler already has, or twice in one batch,
    # would overwrite an entry (and a rollback would delete another schedule's). Refused, nothing written.
    taken = api.post("/schedules:batch", json={"items": [_item("batch.third"), _item("batch.first")]})
    assert taken.status_code == 409 and "batch.first" in taken.json()["detail"], taken.text
    twice = api.post("/schedules:batch", json={"items": [_item("batch.fourth"), _item("batch.fourth")]})
    assert twice.status_code == 409, twice.text
    assert sql(db, ENTRIES) == [("batch.first",), ("batch.second",)]
    assert len(api.get("/schedules", params={"scheduler": "celery-beat"}).json()["items"]) == 2
