"""A beat's lease, claim by claim: the test plays the beat over HTTP, a real Celery worker runs the tasks.

What a beat that reports late, dies before publishing, or dies after publishing leaves behind must
end with the task received once: never a false "taken back", never a crash counted for a beat,
never a second publish of a task the result backend knows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.store.sqlalchemy.store import SqlStore
from tests.integration.links.conftest import ADMIN_KEY, WorkerUrl, live_api, wait_for
from tests.integration.links.services import REDBEAT_URL

pytestmark = pytest.mark.slow


@pytest.fixture
def kairos(sqlite_store: SqlStore, celery_worker: str) -> Iterator[TestClient]:
    with live_api(sqlite_store, 120) as client:
        yield client



def beat_link(kairos: TestClient, broker: str, name: str = "beat", **extra: Any) -> dict[str, Any]:
    created = kairos.post("/scheduler-links", json={"name": name, "type": "celery-beat", "publisher": "beat",
                                                    "broker_url": broker, **extra,
                                                    "source": {"kind": "json", "beat_schedule": {}}})
    assert created.status_code == 201, created.text
    return dict(created.json())


def claim(kairos: TestClient, beat: str, lease: float = 10) -> list[dict[str, Any]]:
    answer = kairos.post("/scheduler-links:claim", json={"beat": beat, "lease_seconds": lease})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def claim_one(kairos: TestClient, beat: str, timeout: float = 20) -> dict[str, Any]:
    items = wait_for(lambda: claim(kairos, beat), timeout)
    assert len(items) == 1, items
    return dict(items[0])


def publish(broker: str, item: dict[str, Any]) -> None:
    """What KairosScheduler does with a claimed fire."""
    from celery import Celery

    app = Celery("beat", broker=broker, set_as_current=False)
    try:
        app.send_task(item["task"], args=item["args"], kwargs=item["kwargs"], task_id=item["task_id"],
                      headers=item["headers"], serializer="json")
    finally:
        app.close()


def job_of(kairos: TestClient, job_id: str) -> dict[str, Any]:
    return dict(kairos.get(f"/jobs/{job_id}").json())


def ended(kairos: TestClient, job_id: str, timeout: float) -> dict[str, Any]:
    return dict(wait_for(lambda: (job := job_of(kairos, job_id))["status"] not in ("pending", "running") and job,
                         timeout))


def new_job(kairos: TestClient, link: dict[str, Any], x: int) -> str:
    created = kairos.post("/jobs", json={"task": "proj.tasks.add", "args": [x, 1], "executor": "celery",
                                         "link_id": link["id"]})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def received(worker: WorkerUrl, task_id: str) -> int:
    return worker.log.read_text().count(f"proj.tasks.add[{task_id}] received")


def test_a_report_that_comes_after_the_workers_events_is_accepted(
        kairos: TestClient, celery_worker: WorkerUrl) -> None:
    link = beat_link(kairos, celery_worker)
    wait_for(lambda: kairos.get(f"/scheduler-links/{link['id']}").json()["worker_events"]["seen"], 20)
    job_id = new_job(kairos, link, 1)
    item = claim_one(kairos, "slow-reporter")
    assert (item["job_id"], item["task_id"]) == (job_id, job_id)
    publish(celery_worker, item)
    assert ended(kairos, job_id, 20)["status"] == "completed"  # the events took the job over first

    report = kairos.post("/scheduler-links:published", json={
        "beat": "slow-reporter", "published": [{"job_id": job_id, "link_id": link["id"]}]})
    assert report.status_code == 200 and report.json()["accepted"] == [job_id]


def test_a_beat_that_died_before_publishing_gives_its_fire_back_without_a_crash(
        kairos: TestClient, celery_worker: WorkerUrl) -> None:
    link = beat_link(kairos, celery_worker)
    wait_for(lambda: kairos.get(f"/scheduler-links/{link['id']}").json()["worker_events"]["seen"], 20)
    warm = new_job(kairos, link, 0)  # the workers are seen sending task events
    publish(celery_worker, claim_one(kairos, "warm-up"))
    ended(kairos, warm, 20)

    job_id = new_job(kairos, link, 2)
    first = claim_one(kairos, "dies-before-publishing")  # and never publishes nor reports
    assert claim(kairos, "other") == []
    again = claim_one(kairos, "survivor", timeout=30)  # after the 10 s lease and the 5 s grace
    assert (again["job_id"], again["task_id"]) == (first["job_id"], first["task_id"]) == (job_id, job_id)
    waiting = job_of(kairos, job_id)
    assert (waiting["status"], waiting["crashes"], waiting["attempt"]) == ("running", 0, 1), waiting
    publish(celery_worker, again)
    done = ended(kairos, job_id, 20)
    assert (done["status"], done["crashes"], done["result"]["result"]) == ("completed", 0, "3")
    wait_for(lambda: received(celery_worker, job_id), 10)
    assert received(celery_worker, job_id) == 1


def test_a_fire_its_beat_published_without_reporting_is_not_published_again_when_the_backend_has_it(
        kairos: TestClient, celery_worker: WorkerUrl) -> None:
    # The link listens on a broker no worker uses, so no event ever names the task: only the
    # result backend (where the worker keeps its results) knows it ran.
    link = beat_link(kairos, REDBEAT_URL, result_backend=celery_worker)
    job_id = new_job(kairos, link, 3)
    item = claim_one(kairos, "dies-after-publishing")
    publish(celery_worker, item)  # and dies before it reports
    wait_for(lambda: received(celery_worker, job_id), 10)

    done = ended(kairos, job_id, 40)  # after the lease and the grace, from the result backend
    assert (done["status"], done["crashes"]) == ("completed", 0), done
    assert claim(kairos, "survivor") == []
    assert received(celery_worker, job_id) == 1


@pytest.fixture
def kairos_url(kairos: TestClient) -> Iterator[str]:
    """The same Kairos served over real HTTP (its loops already run in `kairos`)."""
    import socket
    import threading

    import uvicorn

    from kairos.api.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    app = create_app(kairos.app.state.runtime, start_loops=False)  # type: ignore[attr-defined]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 10)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)


def in_process_beat(kairos_url: str, broker: str) -> Any:
    """A KairosScheduler as `celery beat -S` makes it."""
    from celery import Celery

    from kairos.integrations.celery.beat import KairosScheduler

    app = Celery("beat", broker=broker, set_as_current=False)
    app.conf.update(kairos_url=kairos_url, kairos_api_key=ADMIN_KEY, kairos_workspace="default",
                    kairos_beat_name="in-process")
    return KairosScheduler(app)


@pytest.mark.parametrize("refused", ["deleted link", "invalid item"])
def test_a_beat_goes_on_after_kairos_refuses_its_report(
        kairos: TestClient, kairos_url: str, celery_worker: WorkerUrl, refused: str) -> None:
    link = beat_link(kairos, celery_worker)
    wait_for(lambda: kairos.get(f"/scheduler-links/{link['id']}").json()["worker_events"]["seen"], 20)
    scheduler = in_process_beat(kairos_url, celery_worker)
    try:
        if refused == "deleted link":  # deleted between the publish and the report
            gone = beat_link(kairos, celery_worker, name="gone")
            assert kairos.delete(f"/scheduler-links/{gone['id']}").status_code == 200
            scheduler._unreported = [{"job_id": "job_published_before", "link_id": gone["id"]}]
        else:  # a report Kairos can never take (400)
            scheduler._unreported = [{"job_id": "job_" + "x" * 80, "link_id": link["id"]}]
        job_id = new_job(kairos, link, 4)
        wait_for(lambda: job_of(kairos, job_id)["status"] == "running", 10)

        def published() -> bool:
            scheduler.tick()
            return received(celery_worker, job_id) > 0

        wait_for(published, 20)
        assert scheduler._unreported == []
        assert ended(kairos, job_id, 20)["status"] == "completed"
    finally:
        scheduler.close()
        scheduler.app.close()
