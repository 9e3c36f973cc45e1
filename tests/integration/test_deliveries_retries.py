"""The delivery loop against real receivers: retries, 410, redirects, and signatures per attempt."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook

from kairos.delivery.backoff import Backoff
from kairos.delivery.deliverer import Deliverer
from kairos.outbound import make_client
from kairos.store.base import Page
from kairos.store.delivery import UNANSWERED
from kairos.store.sqlalchemy.store import SqlStore
from kairos.store.sqlalchemy.tables import schedules
from kairos.timeutil import utcnow
from tests.integration.webhook_receivers import (
    ScriptedReceiver,
    finish_job,
    schedule_with_webhook,
    wait_until,
)


def make_deliverer(store: SqlStore, delays: tuple[float, ...] = (0.05, 0.05, 0.05),
                   **kwargs: Any) -> Deliverer:
    return Deliverer(store, make_client(allow_private_networks=True),
                     backoff=Backoff(delays=delays, jitter=0.0), poll_interval=0.05, **kwargs)


@pytest.fixture
def running(store: SqlStore) -> Iterator[Any]:
    """Start a deliverer loop in a thread; stopped at the end."""
    started: list[tuple[Deliverer, threading.Thread]] = []

    def start(deliverer: Deliverer) -> Deliverer:
        thread = threading.Thread(target=deliverer.run, daemon=True)
        thread.start()
        started.append((deliverer, thread))
        return deliverer

    yield start
    for deliverer, thread in started:
        deliverer.stop()
        thread.join(15)


def only_delivery(store: SqlStore, schedule: Any) -> Any:
    [delivery] = store.list_deliveries(schedule.workspace_id, schedule.id, Page()).items
    return delivery


def settled(store: SqlStore, schedule: Any) -> Any:
    """Wait until the schedule's one delivery is delivered or failed."""
    return wait_until(lambda: (d := only_delivery(store, schedule)).status != "pending" and d,
                      what="the delivery to settle")


def answered_once(store: SqlStore, schedule: Any) -> bool:
    """One attempt, and its outcome written: the claim already counts the attempt in flight."""
    delivery = only_delivery(store, schedule)
    return delivery.attempt_count == 1 and delivery.attempts[0].error != UNANSWERED


def test_a_receiver_failing_twice_gets_it_on_the_third_attempt(store: SqlStore, running: Any) -> None:
    with ScriptedReceiver([500, 503, 200]) as receiver:
        schedule = schedule_with_webhook(store, receiver.url)
        finish_job(store, schedule, [{"title": "hello"}])
        running(make_deliverer(store))
        delivery = settled(store, schedule)

        assert delivery.status == "delivered" and delivery.attempt_count == 3
        assert [a.status_code for a in delivery.attempts] == [500, 503, 200]
        assert [a.error for a in delivery.attempts] == ["answered 500", "answered 503", None]
        assert receiver.count() == 3
        ids = {r.headers["webhook-id"] for r in receiver.requests}
        assert ids == {delivery.id}
        assert {r.body for r in receiver.requests} == {delivery.body.encode()}
        for request in receiver.requests:
            verified = Webhook(schedule.webhook_secret).verify(request.body, request.headers)
            assert verified["results"] == [{"title": "hello"}]
            assert request.headers["X-Webhook-Secret"] == schedule.webhook_secret
            assert request.headers["Content-Type"] == "application/json"


def test_each_attempt_keeps_the_start_of_what_the_receiver_answered(store: SqlStore, running: Any) -> None:
    long_answer = ("é" * 1500).encode()  # 3,000 bytes of UTF-8: more than an attempt keeps
    with ScriptedReceiver([503, 200], answer=long_answer) as receiver:
        schedule = schedule_with_webhook(store, receiver.url)
        finish_job(store, schedule, [1])
        running(make_deliverer(store))
        delivery = settled(store, schedule)
    assert [a.status_code for a in delivery.attempts] == [503, 200]
    for attempt in delivery.attempts:
        assert attempt.response_body is not None and attempt.response_body.endswith(" …")
        assert attempt.response_body[:-2] == "é" * 1024  # 2,048 bytes kept, cut at a character
    with ScriptedReceiver([], answer=b"") as silent:
        quiet = schedule_with_webhook(store, silent.url)
        finish_job(store, quiet, [1])
        assert settled(store, quiet).attempts[-1].response_body is None


class TricklingReceiver:
    """Answers 200 at once, then sends its body one byte every 0.2 s for a minute."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.stop = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", "300")
                self.end_headers()
                for _ in range(300):
                    if receiver.stop.wait(0.2):
                        return
                    try:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    except OSError:
                        return

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def test_a_trickled_answer_is_read_briefly_and_the_delivery_ends(store: SqlStore, running: Any) -> None:
    trickle = TricklingReceiver()
    trickle.thread.start()
    try:
        schedule = schedule_with_webhook(store, trickle.url)
        finish_job(store, schedule, [1])
        running(make_deliverer(store))
        # A minute of trickling must not hold the attempt: it ends with what came in the first moments.
        delivery = wait_until(lambda: (d := only_delivery(store, schedule)).status != "pending" and d,
                              timeout=30, what="the delivery to settle")
        assert delivery.status == "delivered"
        kept = delivery.attempts[0].response_body
        assert kept is not None and 0 < len(kept) < 300 and set(kept) == {"x"}
    finally:
        trickle.stop.set()
        trickle.server.shutdown()
        trickle.server.server_close()


def test_410_gone_stops_after_one_attempt(store: SqlStore, running: Any) -> None:
    with ScriptedReceiver([410]) as receiver:
        schedule = schedule_with_webhook(store, receiver.url)
        finish_job(store, schedule, [1])
        running(make_deliverer(store))
        delivery = settled(store, schedule)
        assert delivery.status == "failed" and delivery.attempt_count == 1
        assert delivery.attempts[0].status_code == 410 and "410" in (delivery.attempts[0].error or "")
        assert delivery.next_attempt_at is None
        assert receiver.count() == 1


def test_attempts_stop_when_the_backoff_is_used_up(store: SqlStore, running: Any) -> None:
    with ScriptedReceiver([500] * 10) as receiver:
        schedule = schedule_with_webhook(store, receiver.url)
        finish_job(store, schedule, [1])
        running(make_deliverer(store, delays=(0.05, 0.05)))
        delivery = settled(store, schedule)
        assert delivery.status == "failed" and delivery.attempt_count == 3
        assert "gave up after 3 attempts" in (delivery.attempts[-1].error or "")
        assert receiver.count() == 3


def test_redirects_are_not_followed(store: SqlStore, running: Any) -> None:
    with ScriptedReceiver() as target, ScriptedReceiver([302, 302, 302], redirect_to="") as hook:
        hook.redirect_to = target.url
        schedule = schedule_with_webhook(store, hook.url)
        finish_job(store, schedule, [1])
        running(make_deliverer(store, delays=(0.05, 0.05)))
        delivery = settled(store, schedule)
        assert delivery.status == "failed" and delivery.attempt_count == 3
        assert all(a.status_code == 302 for a in delivery.attempts)
        assert "redirects are not followed" in (delivery.attempts[0].error or "")
        assert target.count() == 0


def test_an_unreachable_receiver_is_retried_with_the_error_recorded(store: SqlStore) -> None:
    with ScriptedReceiver() as receiver:
        url = receiver.url
    schedule = schedule_with_webhook(store, url)  # nothing listens there any more
    finish_job(store, schedule, [1])
    deliverer = make_deliverer(store, delays=(3600,))
    deliverer.process_one()
    wait_until(lambda: answered_once(store, schedule), what="one answered attempt")
    delivery = only_delivery(store, schedule)
    assert delivery.status == "pending" and delivery.attempts[0].status_code is None
    assert "ConnectError" in (delivery.attempts[0].error or "")
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at - utcnow() > timedelta(minutes=50)
    deliverer.close()


def test_the_private_network_guard_applies_to_webhooks(store: SqlStore) -> None:
    with ScriptedReceiver() as receiver:
        schedule = schedule_with_webhook(store, receiver.url)
        finish_job(store, schedule, [1])
        guarded = Deliverer(store, make_client(allow_private_networks=False),
                            backoff=Backoff(delays=(3600,)))
        guarded.process_one()
        wait_until(lambda: answered_once(store, schedule), what="one answered attempt")
        refused = only_delivery(store, schedule)
        assert "refused to connect" in (refused.attempts[0].error or "")
        # Permanent: no retry is planned, whatever the backoff allows.
        assert refused.status == "failed" and refused.next_attempt_at is None
        assert receiver.count() == 0
        guarded.close()


def test_slack_receivers_get_a_readable_message(store: SqlStore, running: Any) -> None:
    with ScriptedReceiver() as receiver:
        schedule = schedule_with_webhook(store, receiver.url, name="Price watch", webhook_type="slack")
        finish_job(store, schedule, [{"title": "Cheap flight", "url": "https://fly.example/1"}])
        running(make_deliverer(store))
        assert settled(store, schedule).status == "delivered"
        message = json.loads(receiver.requests[0].body)
        assert set(message) == {"text"}
        assert "*Price watch* completed: 1 item(s)" in message["text"]
        assert "<https://fly.example/1|Cheap flight>" in message["text"]
        assert "webhook-signature" not in receiver.requests[0].headers


def test_a_request_that_cannot_be_made_is_recorded_as_failed(store: SqlStore) -> None:
    with ScriptedReceiver() as receiver:
        schedule = schedule_with_webhook(store, receiver.url)
        finish_job(store, schedule, [1])
        # A stored secret that no longer decodes: signing raises before anything is sent.
        with store.db.write() as conn:
            conn.execute(schedules.update().where(schedules.c.id == schedule.id)
                         .values(webhook_secret="whsec_%%%not-base64%%%"))
        deliverer = make_deliverer(store)
        deliverer.process_one()
        wait_until(lambda: answered_once(store, schedule), what="one answered attempt")
        failed = only_delivery(store, schedule)
        assert failed.status == "failed" and failed.next_attempt_at is None
        assert (failed.attempts[0].error or "").startswith("could not prepare the request")
        assert receiver.count() == 0
        deliverer.close()
