"""`KairosScheduler`: a `celery beat` scheduler that publishes what Kairos says is due.

    celery -A proj beat -S kairos.integrations.celery:KairosScheduler

with `kairos_url`, `kairos_api_key` and `kairos_workspace` (optionally `kairos_link`,
`kairos_beat_name`, `kairos_batch_size`, `kairos_lease_seconds`) in the app's config. The beat
computes nothing about time: each tick it claims the due fires of the workspace's
`publisher: "beat"` links (each under a lease no other beat gets), publishes each through the
app with the task id Kairos gives (the fire's job id; `<job id>.<attempt>` for a retry) and
headers naming the fire, reports what it published, and sleeps until Kairos says to come back
(a second at most when idle). It stops publishing a
batch whose lease is running out, and every call to Kairos times out well within the lease, so
the report lands before the lease ends. A fire it published but could not report is taken over
by the link when the worker's events (or the result backend) name it; one nobody received goes
back to a beat once the lease and a grace have run out (the link watcher's `BEAT_GRACE`: at least
once, see `kairos.integrations.watcher`). While Kairos cannot be reached it retries; the
schedules' misfire policy decides what runs once Kairos is back.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

import httpx
from celery.beat import Scheduler

log = logging.getLogger(__name__)
LEASE_SECONDS = 30.0
# The shortest lease a beat takes (as the API's): a claim, the publishes and the report must fit.
MIN_LEASE_SECONDS = 10.0
# Each call to Kairos may take this share of the lease at most (and 10 s).
CALL_SHARE = 0.25
# Publishing stops once this share of the lease has gone: the rest is the report's margin.
LEASE_BUDGET = 0.6
UNREACHABLE_RETRY_SECONDS = 2.0


class KairosClient:
    """The two calls a beat makes, over HTTP with the workspace's API key."""

    def __init__(self, url: str, api_key: str, workspace: str, *, timeout: float = 10.0) -> None:
        self.http = httpx.Client(base_url=f"{url.rstrip('/')}/api/v1/workspaces/{workspace}",
                                 headers={"X-API-Key": api_key, "User-Agent": "KairosScheduler"}, timeout=timeout)

    def claim(self, beat: str, link_id: str | None, limit: int, lease_seconds: float) -> dict[str, Any]:
        body: dict[str, Any] = {"beat": beat, "limit": limit, "lease_seconds": lease_seconds}
        if link_id:
            body["link_id"] = link_id
        response = self.http.post("/scheduler-links:claim", json=body)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def published(self, beat: str, items: list[dict[str, str]]) -> list[str]:
        response = self.http.post("/scheduler-links:published", json={"beat": beat, "published": items})
        response.raise_for_status()
        return list(response.json()["accepted"])

    def close(self) -> None:
        self.http.close()


class KairosScheduler(Scheduler):  # type: ignore[misc]
    """Celery beat's scheduler, with Kairos deciding what is due."""

    def __init__(self, app: Any, *args: Any, **kwargs: Any) -> None:
        conf = app.conf
        missing = [name for name in ("kairos_url", "kairos_api_key", "kairos_workspace") if not conf.get(name)]
        if missing:
            raise RuntimeError("KairosScheduler needs " + ", ".join(missing) + " in the Celery app's config")
        self.lease_seconds = max(MIN_LEASE_SECONDS, float(conf.get("kairos_lease_seconds") or LEASE_SECONDS))
        # A call that outlived the lease would report fires Kairos has given back meanwhile.
        self.kairos = KairosClient(conf.get("kairos_url"), conf.get("kairos_api_key"), conf.get("kairos_workspace"),
                                   timeout=min(10.0, self.lease_seconds * CALL_SHARE))
        self.link_id = conf.get("kairos_link")
        self.beat_name = conf.get("kairos_beat_name") or f"{socket.gethostname()}-{os.getpid()}"
        self.batch = int(conf.get("kairos_batch_size") or 100)
        self._unreported: list[dict[str, str]] = []
        super().__init__(app, *args, **kwargs)

    # The app's own beat_schedule is not this scheduler's business: Kairos holds the schedules.
    def setup_schedule(self) -> None:
        if self.app.conf.beat_schedule:
            log.warning("KairosScheduler ignores the app's beat_schedule; Kairos's schedules decide")

    def get_schedule(self) -> dict[str, Any]:
        return {}

    def set_schedule(self, schedule: dict[str, Any]) -> None:
        pass

    schedule = property(get_schedule, set_schedule)

    @property
    def info(self) -> str:
        return f"Kairos at {self.kairos.http.base_url} as beat {self.beat_name!r}"

    def _report(self) -> None:
        if not self._unreported:
            return
        try:
            accepted = set(self.kairos.published(self.beat_name, self._unreported))
        except httpx.HTTPStatusError as exc:
            if not exc.response.is_client_error:
                raise  # Kairos's trouble: the same report is sent again
            # Kairos refuses this report and always will: sending it again would stop this beat
            # for good. What it names is settled by the worker's events or the lease.
            log.warning("Kairos refused the report of %d published fire(s) (%s); dropped",
                        len(self._unreported), exc.response.status_code)
            self._unreported = []
            return
        lost = [item["job_id"] for item in self._unreported if item["job_id"] not in accepted]
        if lost:
            log.warning("Kairos took back %d fire(s) this beat published late (lease lost, or the link was "
                        "deleted): %s", len(lost), lost)
        self._unreported = []

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """Claim, publish, report; returns how long to sleep."""
        try:
            self._report()  # whatever a failed report left over, first
            started = time.monotonic()
            answer = self.kairos.claim(self.beat_name, self.link_id, self.batch, self.lease_seconds)
        except httpx.HTTPError as exc:
            log.warning("Kairos is unreachable (%s); retrying in %.0f s", exc, UNREACHABLE_RETRY_SECONDS)
            return UNREACHABLE_RETRY_SECONDS
        for item in answer["items"]:
            if time.monotonic() - started > self.lease_seconds * LEASE_BUDGET:
                log.warning("lease running out: leaving the rest of this batch to the next claim")
                break
            try:
                self.app.send_task(item["task"], args=item["args"], kwargs=item["kwargs"],
                                   task_id=item.get("task_id") or item["job_id"], headers=item["headers"],
                                   serializer="json")
            except Exception:
                log.exception("could not publish %s (job %s)", item["task"], item["job_id"])
                break
            self._unreported.append({"job_id": item["job_id"], "link_id": item["link_id"]})
        try:
            self._report()
        except httpx.HTTPError as exc:
            log.warning("could not report published fires to Kairos (%s); retrying", exc)
            return UNREACHABLE_RETRY_SECONDS
        return float(answer.get("retry_after_seconds", 1.0))

    def sync(self) -> None:
        pass

    def close(self) -> None:
        try:
            self._report()
        except httpx.HTTPError:
            log.warning("could not report %d published fire(s) on close", len(self._unreported))
        self.kairos.close()
        super().close()
