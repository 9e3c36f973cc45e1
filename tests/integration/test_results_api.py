"""`GET /jobs/{id}/results`: the stored items streamed as JSON, NDJSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from kairos.domain.definition import build_job
from kairos.domain.finish import JobOutcome
from kairos.domain.jobs import JobStatus
from kairos.ids import new_id
from kairos.kinds.catalog import KINDS
from kairos.store.sqlalchemy.store import SqlStore
from kairos.store.sqlalchemy.tables import jobs
from tests.integration.helpers import finish

T0 = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)


def finished(store: SqlStore, outcome: JobOutcome) -> str:
    ws = store.get_workspace("default").id
    job = build_job({"task": "kairos.echo"}, job_id=new_id("job"), workspace_id=ws, now=T0, kinds=KINDS.rulebook)
    store.add_job(job)
    store.claim_jobs("w1", T0, 1, 30)
    assert finish(store, job, "w1", outcome, T0)
    return job.id


ITEMS: list[Any] = [
    {"title": "a", "price": 1.5},
    {"title": "b", "tags": ["x", "y"], "meta": {"k": 1}},
    {"title": "c, with comma", "price": None},
]


def test_json_streams_the_stored_items(api: TestClient, store: SqlStore) -> None:
    job_id = finished(store, JobOutcome(status=JobStatus.COMPLETED, result={"pages": []},
                                        items=ITEMS))
    response = api.get(f"/jobs/{job_id}/results")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"job_id": job_id, "status": "completed", "count": 3, "items": ITEMS}


def test_many_items_stream_whole(api: TestClient, store: SqlStore) -> None:
    items = [{"n": n} for n in range(1500)]
    job_id = finished(store, JobOutcome(status=JobStatus.COMPLETED, items=items))
    assert api.get(f"/jobs/{job_id}/results").json()["items"] == items
    lines = api.get(f"/jobs/{job_id}/results", params={"format": "ndjson"}).text.splitlines()
    assert [json.loads(line) for line in lines] == items


def test_ndjson_is_one_item_per_line(api: TestClient, store: SqlStore) -> None:
    job_id = finished(store, JobOutcome(status=JobStatus.COMPLETED, items=ITEMS))
    response = api.get(f"/jobs/{job_id}/results", params={"format": "ndjson"})
    assert response.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line) for line in response.text.splitlines()] == ITEMS


def test_csv_has_the_union_of_keys_and_nested_values_as_json(api: TestClient, store: SqlStore) -> None:
    job_id = finished(store, JobOutcome(status=JobStatus.COMPLETED, items=[*ITEMS, "bare"]))
    response = api.get(f"/jobs/{job_id}/results", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="{job_id}.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    # PostgreSQL's jsonb keeps keys in its own order, so only the set of columns is fixed.
    assert sorted(rows[0]) == ["meta", "price", "tags", "title", "value"]
    assert rows[1]["tags"] == '["x", "y"]' and rows[1]["meta"] == '{"k": 1}'
    assert rows[2]["title"] == "c, with comma" and rows[2]["price"] == ""
    assert rows[3]["value"] == "bare"


def test_no_items_is_an_empty_list_even_with_a_page_report(api: TestClient, store: SqlStore) -> None:
    job_id = finished(store, JobOutcome(status=JobStatus.COMPLETED, result={"pages": [{"u": 1}]},
                                        items=[]))
    assert api.get(f"/jobs/{job_id}/results").json()["items"] == []
    assert api.get(f"/jobs/{job_id}/results", params={"format": "csv"}).text.strip() == "value"


def test_jobs_from_before_stored_items_fall_back_to_their_result(
        api: TestClient, store: SqlStore) -> None:
    job_id = finished(store, JobOutcome(status=JobStatus.COMPLETED, result=[1, 2]))
    with store.db.write() as conn:  # as a job finished by an older version left it
        conn.execute(sa.text("DELETE FROM job_items WHERE job_id = :id"), {"id": job_id})
        conn.execute(jobs.update().where(jobs.c.id == job_id).values(result=[{"old": 1}, 2]))
    assert api.get(f"/jobs/{job_id}/results").json()["items"] == [{"old": 1}, 2]


def test_results_of_another_workspace_are_404(api: TestClient, store: SqlStore, key_for: Any) -> None:
    job_id = finished(store, JobOutcome(status=JobStatus.COMPLETED, items=ITEMS))
    response = api.get(f"/api/v1/workspaces/elsewhere/jobs/{job_id}/results",
                       headers={"X-API-Key": key_for("admin", "elsewhere")})
    assert response.status_code == 404
    assert api.get("/jobs/job_missing/results").status_code == 404


def test_a_failed_scrape_has_no_items_whatever_its_page_report(api: TestClient, store: SqlStore) -> None:
    report = {"pages": [{"url": "https://example.com/", "status": "failed", "http_status": 503,
                         "items": 0, "error": "503", "duration_ms": 12}]}
    job_id = finished(store, JobOutcome(status=JobStatus.FAILED, result=report, error_message="all failed"))
    answer = api.get(f"/jobs/{job_id}/results").json()
    assert (answer["status"], answer["count"], answer["items"]) == ("failed", 0, [])
    assert api.get(f"/jobs/{job_id}/results", params={"format": "ndjson"}).text == ""
