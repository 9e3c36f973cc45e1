"""The real `kairos` process sends a signed webhook after each run of a schedule firing every second."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from tests.acceptance.conftest import list_all, parse_time, wait_for

pytestmark = pytest.mark.slow

# The content changes every other run: has_changes should alternate true, false, true…
TASKS = '''
import itertools
from kairos.kinds.registry import task

_runs = itertools.count()


@task("webhooks.every_other")
def every_other():
    return [{"title": f"value {next(_runs) // 2}"}]
'''


class FlakyReceiver:
    """Answers the very first POST with 500 and every later one with 200; records them all."""

    def __init__(self) -> None:
        self.requests: list[tuple[bytes, dict[str, str], int]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    code = 500 if not receiver.requests else 200
                    receiver.requests.append((raw, dict(self.headers.items()), code))
                answer = b"try again later" if code == 500 else b'{"received": true}'
                self.send_response(code)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def accepted(self) -> list[tuple[bytes, dict[str, str]]]:
        with self.lock:
            return [(body, headers) for body, headers, code in self.requests if code == 200]


@pytest.fixture
def flaky_receiver() -> Iterator[FlakyReceiver]:
    receiver = FlakyReceiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
    receiver.thread.join(5)


def test_signed_payloads_with_has_changes_exactly_when_the_content_changed(
    kairos_factory: Any, flaky_receiver: FlakyReceiver, tmp_path: Path
) -> None:
    code = tmp_path / "usercode"
    code.mkdir()
    (code / "webhook_tasks.py").write_text(TASKS)
    kairos = kairos_factory(env_extra={
        "KAIROS_ALLOW_PRIVATE_NETWORKS": "1",
        "KAIROS_WEBHOOK_BACKOFF_SECONDS": "0.5,0.5,0.5",
        "KAIROS_TASK_MODULES": "webhook_tasks",
        "PYTHONPATH": os.pathsep.join(p for p in (str(code), os.environ.get("PYTHONPATH", "")) if p),
    })
    kairos.start()
    with kairos.client() as client:
        created = client.post("/schedules", json={
            "name": "every second", "task": "webhooks.every_other", "interval_seconds": 1,
            "webhook_url": flaky_receiver.url, "webhook_metadata": {"source": "acceptance"},
        })
        assert created.status_code == 201, created.text
        schedule = created.json()
        secret = schedule["webhook_secret"]
        wait_for(lambda: len(flaky_receiver.accepted()) >= 6, timeout=40,
                 what="six accepted webhooks")
        assert client.post(f"/schedules/{schedule['id']}/disable").status_code == 200

        payloads = {}
        for body, headers in flaky_receiver.accepted():
            payload = Webhook(secret).verify(body, headers)
            assert headers["X-Webhook-Secret"] == secret
            assert headers["webhook-id"].startswith("dlv_")
            payloads[payload["job_id"]] = payload

        jobs = [j for j in list_all(client, "/jobs", schedule_id=schedule["id"])
                if j["status"] == "completed"]
        jobs.sort(key=lambda j: parse_time(j["completed_at"]))
        checked, seen = 0, set()
        for previous, job in zip([None, *jobs], jobs, strict=False):
            payload = payloads.get(job["id"])
            if payload is None:
                continue
            expected = previous is None or previous["result"] != job["result"]
            assert payload["has_changes"] is expected, (job, previous, payload)
            assert payload["results"] == job["result"] and payload["item_count"] == 1
            assert payload["event"] == "job.completed" and payload["status"] == "completed"
            assert payload["schedule_id"] == schedule["id"]
            assert payload["metadata"] == {"source": "acceptance"}
            assert payload["content_hash"] == job["content_hash"]
            seen.add(payload["has_changes"])
            checked += 1
        assert checked >= 6 and seen == {True, False}

        # The first request was answered 500: its delivery shows two attempts, same webhook-id.
        first_body, first_headers, first_code = flaky_receiver.requests[0]
        assert first_code == 500
        deliveries = list_all(client, f"/schedules/{schedule['id']}/deliveries")
        retried = next(d for d in deliveries if d["id"] == first_headers["webhook-id"])
        assert retried["status"] == "delivered" and retried["attempt_count"] == 2
        assert [a["status_code"] for a in retried["attempts"]] == [500, 200]
        assert [a["response_body"] for a in retried["attempts"]] == ["try again later", '{"received": true}']
        resent = [b for b, h in flaky_receiver.accepted() if h["webhook-id"] == retried["id"]]
        assert resent == [first_body]
        assert json.loads(first_body)["job_id"] == retried["job_id"]
        # Secrets are never echoed after the create.
        assert client.get(f"/schedules/{schedule['id']}").json()["webhook_secret"] is None
