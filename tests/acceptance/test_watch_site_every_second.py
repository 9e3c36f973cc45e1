"""The whole watch story on the real `kairos` process: a scrape schedule firing every second over a
site whose content changes, a webhook receiver whose payloads verify with the `standardwebhooks`
package, `has_changes` true exactly when the content changed, and `/changes` with each filter form.
"""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pytest
from standardwebhooks import Webhook

from tests.acceptance.conftest import list_all, parse_time, wait_for
from tests.integration.webhook_receivers import ScriptedReceiver
from tests.local_site import Answer, LocalSite

pytestmark = pytest.mark.slow

RUBIO = {"title": "Rubio talks tariffs", "body": "A new tariff on steel", "section": "politics"}
ELON = {"title": "Elon Musk launches", "body": "Rockets and tariff news", "section": "space"}
COIN = {"title": "Bitcoin rallies", "body": "Elon tweets again", "section": "crypto"}


def serve(site: LocalSite, articles: list[dict[str, str]]) -> None:
    site.route("/articles", Answer(body=json.dumps(articles).encode(),
                                   headers={"Content-Type": "application/json"}))


def titles(items: list[dict[str, Any]]) -> list[str]:
    return [item["title"] for item in items]


def verified_payloads(receiver: ScriptedReceiver, secret: str) -> list[dict[str, Any]]:
    """Every request the receiver got, each verified; one payload per delivery, oldest job first."""
    by_delivery: dict[str, dict[str, Any]] = {}
    for request in list(receiver.requests):
        payload = Webhook(secret).verify(request.body, request.headers)
        assert request.headers["X-Webhook-Secret"] == secret
        by_delivery[request.headers["webhook-id"]] = payload
    return sorted(by_delivery.values(), key=lambda p: parse_time(p["completed_at"]))


def test_a_site_watched_every_second_is_reported_exactly_when_it_changes(kairos_factory: Any) -> None:
    with LocalSite() as site, ScriptedReceiver([500]) as receiver:
        serve(site, [RUBIO, ELON])
        kairos = kairos_factory(env_extra={
            "KAIROS_ALLOW_PRIVATE_NETWORKS": "1",
            "KAIROS_WEBHOOK_BACKOFF_SECONDS": "0.5,0.5,0.5",
            "KAIROS_FETCH_POLITENESS_DELAY_SECONDS": "0",
        })
        kairos.start()
        with kairos.client() as client:
            strategy = client.post("/strategies", json={"name": "articles", "type": "json", "item": "[*]"})
            assert strategy.status_code == 201, strategy.text
            made = client.post("/schedules", json={
                "name": "news", "strategy_id": strategy.json()["id"], "url": site.url("/articles"),
                "interval_seconds": 1, "webhook_url": receiver.url,
            })
            assert made.status_code == 201, made.text
            schedule_id, secret = made.json()["id"], made.json()["webhook_secret"]

            def reported(count: int) -> bool:
                return len(verified_payloads(receiver, secret)) >= count

            # Two runs of the first content, then an article added, then one removed.
            wait_for(lambda: reported(2), timeout=30, what="two webhooks")
            serve(site, [RUBIO, ELON, COIN])
            wait_for(lambda: any(p["item_count"] == 3 for p in verified_payloads(receiver, secret)),
                     timeout=30, what="a webhook with the added article")
            serve(site, [ELON, COIN])
            wait_for(lambda: any(titles(p["results"]) == titles([ELON, COIN])
                                 for p in verified_payloads(receiver, secret)),
                     timeout=30, what="a webhook without the removed article")
            assert client.post(f"/schedules/{schedule_id}/disable").status_code == 200

            def settled() -> list[dict[str, Any]] | None:
                jobs = list_all(client, "/jobs", schedule_id=schedule_id)
                return jobs if all(j["status"] not in ("pending", "running") for j in jobs) else None

            jobs = wait_for(settled, timeout=30, what="the last run to finish")
            assert {j["status"] for j in jobs} == {"completed"}
            wait_for(lambda: reported(len(jobs)), timeout=30, what="a webhook for every run")

            payloads = verified_payloads(receiver, secret)
            assert [p["status"] for p in payloads] == ["completed"] * len(payloads)
            flags = [p["has_changes"] for p in payloads]
            expected = [True] + [now["results"] != before["results"]
                                 for before, now in pairwise(payloads)]
            assert flags == expected
            changed = [p for p in payloads if p["has_changes"]]
            assert [titles(p["results"]) for p in changed] == [
                titles([RUBIO, ELON]), titles([RUBIO, ELON, COIN]), titles([ELON, COIN])]
            assert False in flags  # unchanged runs were reported too, as unchanged
            for payload in payloads:
                job = client.get(f"/jobs/{payload['job_id']}").json()
                assert (job["has_changes"], job["content_hash"]) == (payload["has_changes"],
                                                                     payload["content_hash"])
            # The receiver's first answer was a 500: that delivery was retried and then accepted.
            first_id = receiver.requests[0].headers["webhook-id"]
            assert [r.headers["webhook-id"] for r in receiver.requests].count(first_id) == 2

            first, added, removed = (p["job_id"] for p in changed)
            changes = f"/schedules/{schedule_id}/changes"

            def filtered(text: str) -> dict[str, list[str]]:
                answer = client.get(changes, params={"mark_seen": "false", "filter": text})
                assert answer.status_code == 200, answer.text
                return {c["job_id"]: titles(c["results"]) for c in answer.json()["changes"]}

            assert filtered("+rubio +tariff") == {first: [RUBIO["title"]], added: [RUBIO["title"]],
                                                  removed: []}  # its removed article matches
            assert filtered("bitcoin launches") == {first: [ELON["title"]],
                                                    added: [ELON["title"], COIN["title"]],
                                                    removed: [ELON["title"], COIN["title"]]}
            assert filtered("-tariff") == {added: [COIN["title"]], removed: [COIN["title"]]}
            assert filtered('"elon musk"') == {job: [ELON["title"]] for job in (first, added, removed)}
            assert filtered("section:crypto") == {added: [COIN["title"]], removed: [COIN["title"]]}

            taken = client.get(changes).json()
            assert [c["job_id"] for c in taken["changes"]] == [first, added, removed]
            assert [(titles(c["added"]), titles(c["removed"])) for c in taken["changes"]] == [
                (titles([RUBIO, ELON]), []), (titles([COIN]), []), ([], titles([RUBIO]))]
            assert client.get(changes).json()["count"] == 0
