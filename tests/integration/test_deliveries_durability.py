"""Deliveries outlive a hanging receiver, a secret change, a restart and a lost sender."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from kairos.delivery.backoff import Backoff
from kairos.delivery.deliverer import Deliverer
from kairos.outbound import make_client
from kairos.store.base import Page
from kairos.store.delivery import UNANSWERED, AttemptResult, DeliveryAttempt
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.webhook_receivers import (
    HANG,
    ScriptedReceiver,
    finish_job,
    schedule_with_webhook,
    wait_until,
)


def make_deliverer(store: SqlStore, delays: tuple[float, ...] = (3600,), **kwargs: Any) -> Deliverer:
    return Deliverer(store, make_client(allow_private_networks=True),
                     backoff=Backoff(delays=delays, jitter=0.0), poll_interval=0.05, **kwargs)


def only_delivery(store: SqlStore, schedule: Any) -> Any:
    [delivery] = store.list_deliveries(schedule.workspace_id, schedule.id, Page()).items
    return delivery


def step(deliverer: Deliverer) -> None:
    """One claim, and every attempt it started brought to its end."""
    deliverer.process_one()
    wait_until(lambda: deliverer.in_flight == 0, what="the attempts to end")


def test_a_hanging_receiver_delays_neither_other_deliveries_nor_jobs(store: SqlStore) -> None:
    with ScriptedReceiver([HANG]) as slow, ScriptedReceiver() as fast:
        stuck = schedule_with_webhook(store, slow.url)
        other = schedule_with_webhook(store, fast.url)
        deliverer = make_deliverer(store, timeout_seconds=30)
        thread = threading.Thread(target=deliverer.run, daemon=True)
        thread.start()
        try:
            finish_job(store, stuck, [1])
            wait_until(lambda: slow.count() == 1, what="the slow receiver to be called")
            # While that attempt hangs, a job still finishes and its webhook still goes out.
            job = finish_job(store, other, [2])
            assert job.status == "completed"
            delivered = wait_until(lambda: (d := only_delivery(store, other)).status == "delivered" and d,
                                   what="the other schedule's delivery")
            assert delivered.attempt_count == 1
            hanging = only_delivery(store, stuck)
            # The attempt in flight is already listed, unanswered (it would stay so after a crash).
            assert hanging.status == "pending" and hanging.attempt_count == 1
            assert hanging.attempts[-1].status_code is None and hanging.attempts[-1].error == UNANSWERED
            slow.release.set()
            done = wait_until(lambda: (d := only_delivery(store, stuck)).status == "delivered" and d,
                              what="the slow delivery once released")
            assert done.attempt_count == 1 and [a.status_code for a in done.attempts] == [200]
        finally:
            deliverer.stop()
            thread.join(15)


def test_a_receiver_that_never_answers_times_out_and_is_retried(store: SqlStore) -> None:
    with ScriptedReceiver([HANG]) as receiver:
        schedule = schedule_with_webhook(store, receiver.url)
        finish_job(store, schedule, [1])
        deliverer = make_deliverer(store, timeout_seconds=0.5)
        step(deliverer)
        delivery = only_delivery(store, schedule)
        assert delivery.status == "pending" and delivery.attempt_count == 1
        assert delivery.attempts[0].error == "timed out after 0.5 s"
        assert delivery.attempts[0].status_code is None
        deliverer.close()


def test_a_new_secret_signs_the_next_attempt_and_the_old_one_fails(
    store: SqlStore, api: TestClient
) -> None:
    with ScriptedReceiver([500, 200]) as receiver:
        schedule = schedule_with_webhook(store, receiver.url)
        old = schedule.webhook_secret
        finish_job(store, schedule, [1])
        deliverer = make_deliverer(store)
        step(deliverer)
        response = api.post(f"/schedules/{schedule.id}/webhook-secret/regenerate")
        assert response.status_code == 200, response.text
        new = response.json()["webhook_secret"]
        assert new.startswith("whsec_") and new != old
        assert response.json()["schedule_id"] == schedule.id  # the seed's answer shape

        delivery = only_delivery(store, schedule)
        retried = api.post(f"/schedules/{schedule.id}/deliveries/{delivery.id}/retry")
        assert retried.status_code == 200 and retried.json()["status"] == "pending"
        step(deliverer)
        assert only_delivery(store, schedule).status == "delivered"

        first, second = receiver.requests
        Webhook(old).verify(first.body, first.headers)
        Webhook(new).verify(second.body, second.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(second.body, second.headers)
        assert second.headers["X-Webhook-Secret"] == new
        assert first.headers["webhook-id"] == second.headers["webhook-id"]
        deliverer.close()


def test_a_pending_retry_survives_a_restart(database_url: str) -> None:
    first_store = SqlStore(database_url)
    with ScriptedReceiver([500, 200]) as receiver:
        schedule = schedule_with_webhook(first_store, receiver.url)
        finish_job(first_store, schedule, [1])
        first = make_deliverer(first_store, delays=(0.2,))
        step(first)
        assert only_delivery(first_store, schedule).status == "pending"
        first.close()
        first_store.close()

        second_store = SqlStore(database_url)
        second = make_deliverer(second_store, delays=(0.2,))
        try:
            wait_until(lambda: (step(second), only_delivery(second_store, schedule).status)[1]
                       == "delivered", what="the retry after the restart")
            delivery = only_delivery(second_store, schedule)
            assert delivery.attempt_count == 2
            assert [a.status_code for a in delivery.attempts] == [500, 200]
            assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.id}
        finally:
            second.close()
            second_store.close()


def test_a_claim_is_a_lease_that_a_lost_sender_gives_up(store: SqlStore) -> None:
    schedule = schedule_with_webhook(store, "https://hooks.example.com/x")
    finish_job(store, schedule, [1])
    now = utcnow()
    [claimed] = store.claim_deliveries("sender-a", now, 10, 30)
    assert claimed.url == "https://hooks.example.com/x" and claimed.secret == schedule.webhook_secret
    assert store.claim_deliveries("sender-b", now, 10, 30) == []
    later = now + timedelta(seconds=31)
    [reclaimed] = store.claim_deliveries("sender-b", later, 10, 30)
    assert reclaimed.delivery.id == claimed.delivery.id
    attempt = DeliveryAttempt(at=later, status_code=200, error=None, duration_ms=5)
    assert not store.record_delivery_attempt(claimed.delivery.id, "sender-a", attempt,
                                             AttemptResult.DELIVERED, None)
    assert store.record_delivery_attempt(claimed.delivery.id, "sender-b", attempt,
                                         AttemptResult.DELIVERED, None)
    delivery = only_delivery(store, schedule)
    # sender-a's attempt stays listed, unanswered: the receiver may have had it.
    assert delivery.status == "delivered" and delivery.attempt_count == 2
    assert [(a.status_code, a.error) for a in delivery.attempts] == [(None, UNANSWERED), (200, None)]


def test_retry_resends_a_failed_delivery_and_refuses_a_delivered_one(
    store: SqlStore, api: TestClient
) -> None:
    with ScriptedReceiver([410, 200]) as receiver:
        schedule = schedule_with_webhook(store, receiver.url)
        finish_job(store, schedule, [1])
        deliverer = make_deliverer(store)
        step(deliverer)
        delivery = only_delivery(store, schedule)
        assert delivery.status == "failed"
        assert api.post(f"/schedules/{schedule.id}/deliveries/{delivery.id}/retry").status_code == 200
        step(deliverer)
        assert only_delivery(store, schedule).status == "delivered"
        again = api.post(f"/schedules/{schedule.id}/deliveries/{delivery.id}/retry")
        assert again.status_code == 409 and "delivered" in again.json()["detail"]
        missing = api.post(f"/schedules/{schedule.id}/deliveries/dlv_nope/retry")
        assert missing.status_code == 404
        deliverer.close()
