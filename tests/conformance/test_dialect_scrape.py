"""Seed 004 against `/api/schedules…`: its bodies and every curl, secrets, changes, the webhook."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook

from kairos.delivery.backoff import Backoff
from kairos.delivery.deliverer import Deliverer
from kairos.domain.jobs import JobStatus
from kairos.domain.strategies import build_strategy
from kairos.ids import new_id
from kairos.outbound import make_client
from kairos.store.base import Page
from kairos.store.sqlalchemy.delivery_tables import webhook_deliveries as deliveries
from kairos.timeutil import utcnow
from tests.conformance.conftest import World, check_shape, problem, send_curl
from tests.conformance.seed_documents import curl_commands, seed_text
from tests.conformance.seed_examples import examples, nullable_fields, requests, response
from tests.integration.webhook_receivers import ScriptedReceiver, wait_until

# The documented answer is an interval schedule's; a cron one (also seed 004's) has no interval.
# `filter_applied` is null when no filter was sent.
NULLABLE = nullable_fields("004") | {"interval_seconds", "filter_applied"}
SEED_ID = "880e8400-e29b-41d4-a716-446655440000"  # the schedule id the seed's curls use
# A schedule made without a webhook_url (the seed's curl examples) has none of these.
NO_WEBHOOK = NULLABLE | {"webhook_url", "webhook_type", "webhook_secret"}
RUBIO = {"title": "Rubio talks tariffs", "body": "A new tariff on steel"}
ELON = {"title": "Elon Musk launches", "body": "Rockets and tariff news"}
BIDEN = {"title": "Rubio and Biden debate", "body": "Long night"}


@pytest.fixture
def strategy_id(world: World) -> str:
    strategy = build_strategy({"name": "products", "type": "css", "item": "li", "fields": {"name": "span"}},
                              strategy_id=new_id("strat"), workspace_id=world.workspace_id, now=utcnow())
    world.store.add_strategy(strategy)
    return strategy.id


def ours(body: dict[str, Any], strategy_id: str) -> dict[str, Any]:
    return {**body, "strategy_id": strategy_id}


def test_the_seeds_strategy_id_is_a_404_and_a_real_one_is_created_in_the_documented_shape(
        world: World, strategy_id: str) -> None:
    documented = response("004", "POST", "/api/schedules").body
    for body in requests("004", "POST"):
        problem(world.send("POST", "/api/schedules", body), 404, "strategy_id")
        for root in ("", "/compat/scrape"):
            answer = world.send("POST", f"{root}/api/schedules", ours(body, strategy_id))
            assert answer.status_code == 201, answer.text
            made = answer.json()
            check_shape(made, documented, NULLABLE)
            assert made["webhook_secret"].startswith("whsec_")
            # Unset is null, as the seed shows, never {}.
            assert made["webhook_metadata"] is None and made["parameters"] is None and made["urls"] is None
            assert made["schedule_type"] == ("interval" if "interval_seconds" in body else "cron")
            assert made["webhook_type"] == "standard" and made["enabled"] is True
        canonical = world.send("POST", f"/api/v1/workspaces/{world.slug}/schedules", ours(body, strategy_id),
                               content_type="application/json")
        assert canonical.status_code == 201, canonical.text


def test_every_curl_example_in_order(world: World, strategy_id: str) -> None:
    curls = curl_commands(seed_text("004"))
    created_shape = response("004", "POST", "/api/schedules").body
    listed_shape = {k: v for k, v in created_shape.items() if k != "webhook_secret"}
    made = []
    for curl in curls[:2]:
        answer = send_curl(world, dataclasses.replace(curl, body=ours(curl.body, strategy_id)), curl.path)
        assert answer.status_code == 201, answer.text
        made.append(answer.json())
        check_shape(answer.json(), created_shape, NO_WEBHOOK)
        # Without a webhook_url there is no secret to show.
        assert answer.json()["webhook_secret"] is None and answer.json()["webhook_url"] is None
    sid = made[0]["schedule_id"]

    listed = send_curl(world, curls[2], curls[2].path)
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    assert {s["schedule_id"] for s in listed.json()} == {m["schedule_id"] for m in made}
    for item in listed.json():
        check_shape(item, listed_shape, NO_WEBHOOK)
        assert "webhook_secret" not in item

    for curl in curls[3:5]:
        answer = send_curl(world, curl, curl.path.replace(SEED_ID, sid))
        assert answer.status_code == 200, answer.text
        check_shape(answer.json(), listed_shape, NO_WEBHOOK)
        assert "webhook_secret" not in answer.json()
    assert answer.json()["enabled"] is False and answer.json()["interval_seconds"] == 7200
    assert answer.json()["status"] == "disabled" and answer.json()["next_run_at"] is None

    regenerate = curls[6]
    answer = send_curl(world, regenerate, regenerate.path.replace(SEED_ID, sid))
    assert answer.status_code == 200, answer.text
    check_shape(answer.json(), response("004", "POST", "/webhook-secret/regenerate").body, NULLABLE)
    assert answer.json()["schedule_id"] == sid

    for curl in curls[7:]:
        answer = send_curl(world, curl, curl.path.replace(SEED_ID, sid))
        assert answer.status_code == 200, answer.text
        check_shape(answer.json(), response("004", "GET", "/changes").body, NULLABLE)

    delete = curls[5]
    answer = send_curl(world, delete, delete.path.replace(SEED_ID, sid))
    assert answer.status_code == 200 and answer.json() == response("004", "DELETE", "/api/schedules/{schedule_id}").body
    problem(send_curl(world, delete, delete.path.replace(SEED_ID, sid)), 404)


def test_the_secret_shows_on_create_and_regenerate_only_and_may_be_chosen(world: World, strategy_id: str) -> None:
    body = ours(requests("004", "POST")[0], strategy_id)
    made = world.send("POST", "/api/schedules", body).json()
    sid, first = made["schedule_id"], made["webhook_secret"]
    for answer in (world.send("GET", f"/api/schedules/{sid}"), world.send("PATCH", f"/api/schedules/{sid}",
                                                                          {"webhook_type": "standard"})):
        assert answer.status_code == 200 and "webhook_secret" not in answer.json()
    assert first not in world.send("GET", "/api/schedules").text
    second = world.send("POST", f"/api/schedules/{sid}/webhook-secret/regenerate").json()["webhook_secret"]
    assert second.startswith("whsec_") and second != first
    assert world.store.get_schedule(world.workspace_id, sid).webhook_secret == second

    chosen = world.send("POST", "/api/schedules", {**body, "webhook_secret": "a-long-shared-secret-of-mine"})
    assert chosen.status_code == 201, chosen.text
    assert chosen.json()["webhook_secret"] == "a-long-shared-secret-of-mine"
    problem(world.send("POST", "/api/schedules", {**body, "webhook_secret": "short"}), 400, "webhook_secret")
    updated = world.send("PATCH", f"/api/schedules/{sid}", {"webhook_secret": "another-shared-secret-1"})
    assert updated.status_code == 200 and "webhook_secret" not in updated.json()
    assert world.store.get_schedule(world.workspace_id, sid).webhook_secret == "another-shared-secret-1"


def test_changes_mark_seen_and_filter_as_the_seed_shows(world: World, strategy_id: str) -> None:
    body = ours(requests("004", "POST")[0], strategy_id)
    sid = world.send("POST", "/api/schedules", body).json()["schedule_id"]
    clock = utcnow()
    for items in ([RUBIO, ELON], [RUBIO, ELON], [RUBIO, ELON, BIDEN]):
        clock += timedelta(seconds=1)
        job = world.store.fire_now(world.workspace_id, sid, clock)
        world.finish(job.id, JobStatus.COMPLETED, clock, items=items)
    curls = {c.path.split("?")[-1] if "?" in c.path else "": c for c in curl_commands(seed_text("004"))[7:]}

    def feed(query: str) -> dict[str, Any]:
        curl = curls[query]
        answer = send_curl(world, curl, curl.path.replace(SEED_ID, sid))
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    preview = feed("mark_seen=false")
    assert (preview["count"], preview["marked_seen"]) == (2, False)
    assert all(c["seen"] is False and c["status"] == "completed" for c in preview["changes"])
    for query, sizes in (("filter=rubio+elon", [2, 3]), ("filter=%2Brubio+-biden", [1, 1])):
        curl = curls[query]
        answer = world.client.get(curl.path.replace(SEED_ID, sid) + "&mark_seen=false",
                                  headers={"X-API-Key": world.key}).json()
        assert [len(c["results"]) for c in answer["changes"]] == sizes, query
    both = feed("filter=%2Brubio+%2Btariff")  # marks seen: the default
    assert both["filter_applied"] == "+rubio +tariff" and both["marked_seen"] is True
    assert [len(c["results"]) for c in both["changes"]] == [1, 1]
    assert feed("")["count"] == 0  # all seen now
    world.send("GET", f"/api/schedules/{sid}")  # reading the schedule changes nothing


def test_the_webhook_body_has_the_documented_fields(world: World, strategy_id: str) -> None:
    body = ours(requests("004", "POST")[0], strategy_id)
    sid = world.send("POST", "/api/schedules", body).json()["schedule_id"]
    job = world.store.fire_now(world.workspace_id, sid, utcnow())
    world.finish(job.id, JobStatus.COMPLETED, utcnow(), items=[RUBIO])
    (delivery,) = world.store.list_deliveries(world.workspace_id, sid, Page()).items
    (documented,) = [e.body for e in examples("004") if e.slot.role == "webhook"]
    sent = json.loads(delivery.body)
    check_shape(sent, documented, NULLABLE)
    assert (sent["job_id"], sent["schedule_id"], sent["has_changes"]) == (job.id, sid, True)


def test_unknown_schedules_and_bad_input_are_problem_json(world: World, strategy_id: str) -> None:
    body = ours(requests("004", "POST")[0], strategy_id)
    problem(world.send("PATCH", f"/api/schedules/{SEED_ID}", {"enabled": False}), 404)
    problem(world.send("GET", f"/api/schedules/{SEED_ID}/changes"), 404)
    problem(world.send("POST", "/api/schedules", {**body, "cron_expression": "0 9 * * *"}), 400)
    problem(world.send("POST", "/api/schedules", {**body, "cron_expression": "bad", "interval_seconds": None}),
            400, "cron_expression")
    problem(world.send("POST", "/api/schedules", {**body, "interval_seconds": 30}), 400, "interval_seconds")
    sid = world.send("POST", "/api/schedules", body).json()["schedule_id"]
    problem(world.send("PATCH", f"/api/schedules/{sid}", {"strategy_id": "strat_nope"}), 404, "strategy_id")
    problem(world.client.get(f"/api/schedules/{sid}/changes", params={"filter": '"unclosed'},
                             headers={"X-API-Key": world.key}), 400)


def test_a_chosen_secret_is_sent_as_x_webhook_secret_and_signs_the_delivery(world: World, strategy_id: str) -> None:
    chosen = "a-long-shared-secret-of-mine"
    body = ours({**requests("004", "POST")[0], "webhook_secret": chosen}, strategy_id)
    sid = world.send("POST", "/api/schedules", body).json()["schedule_id"]
    with ScriptedReceiver() as receiver:
        # The receiver is on loopback, which the API refuses as a webhook URL: point the stored
        # schedule at it, as an operator allowing private networks could.
        world.store.update_schedule(world.workspace_id, sid, lambda s: dataclasses.replace(
            s, webhook_url=receiver.url))
        job = world.store.fire_now(world.workspace_id, sid, utcnow())
        world.finish(job.id, JobStatus.COMPLETED, utcnow(), items=[RUBIO])
        # Other tests' deliveries (to the seed's public example URLs) are not this loop's to send.
        with world.store.db.write() as conn:
            conn.execute(deliveries.update().where(deliveries.c.schedule_id != sid,
                                                   deliveries.c.status == "pending").values(status="failed"))
        deliverer = Deliverer(world.store, make_client(allow_private_networks=True),
                              backoff=Backoff(delays=(0.05,), jitter=0.0), poll_interval=0.05)
        thread = threading.Thread(target=deliverer.run, daemon=True)
        thread.start()
        try:
            (received,) = wait_until(lambda: receiver.requests, what="the webhook")
        finally:
            deliverer.stop()
            thread.join(15)
    assert received.headers["X-Webhook-Secret"] == chosen
    assert Webhook(chosen.encode()).verify(received.body, received.headers)["schedule_id"] == sid
