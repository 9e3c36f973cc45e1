"""`kill -9` while a webhook is in flight: it is sent again with the same webhook-id, and the lost
attempt stays listed at /deliveries (issue 13, 7), on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.acceptance.conftest import KairosProcess, wait_for
from tests.conftest import create_postgres_database, drop_postgres_database

pytestmark = pytest.mark.slow
UNANSWERED = "no answer recorded"


class HangingOnce:
    """A receiver that takes the first webhook and never answers it, then answers 200."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.first = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.seen.append(dict(self.headers.items()))
                if len(receiver.seen) == 1:
                    receiver.first.set()
                    receiver.release.wait(60)  # the sender is killed while this waits
                    return
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[HangingOnce]:
    hanging = HangingOnce()
    hanging.thread.start()
    yield hanging
    hanging.release.set()
    hanging.server.shutdown()
    hanging.server.server_close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The store the killed process runs on: its own SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield {}
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    url = create_postgres_database(admin_url)
    try:
        yield {"KAIROS_DATABASE_URL": "postgresql://" + url.split("://", 1)[1]}
    finally:
        drop_postgres_database(admin_url, url)


def test_a_webhook_in_flight_during_a_crash_is_listed_and_sent_again(
        kairos_factory: Any, receiver: HangingOnce, database_env: dict[str, str]) -> None:
    env = {"KAIROS_ALLOW_PRIVATE_NETWORKS": "1", "KAIROS_WEBHOOK_TIMEOUT_SECONDS": "2", **database_env}
    kairos: KairosProcess = kairos_factory(env_extra=env)
    kairos.start()
    with kairos.client() as client:
        schedule = client.post("/schedules", json={"name": "hooked", "interval_seconds": 86400,
                                                   "task": "kairos.echo", "webhook_url": receiver.url}).json()
        assert client.post(f"/schedules/{schedule['id']}/trigger").status_code == 201
    assert receiver.first.wait(30), kairos.logs()
    kairos.kill()  # while the receiver holds the first attempt open

    kairos.start()
    with kairos.client() as client:
        def delivered() -> Any:
            items = client.get(f"/schedules/{schedule['id']}/deliveries").json()["items"]
            return items[0] if items and items[0]["status"] == "delivered" else None

        delivery = wait_for(delivered, timeout=60, what="the webhook sent again after the restart")
    assert len(receiver.seen) >= 2
    assert len({headers["webhook-id"] for headers in receiver.seen}) == 1
    attempts = delivery["attempts"]
    assert delivery["attempt_count"] == len(attempts) == len(receiver.seen)
    assert attempts[0]["status_code"] is None and attempts[0]["error"].startswith(UNANSWERED)
    assert attempts[-1]["status_code"] == 200
