"""The delivery loop: claim due webhook deliveries, send each in a thread, record the attempt.

A receiver that hangs holds one of `concurrency` threads until its timeout and nothing else: the
loop keeps claiming for the free threads, and jobs run in the worker, which never waits for a
webhook. What to do after an attempt:
- 2xx: delivered.
- 410 Gone: failed, no more attempts (the receiver says the hook is gone for good).
- 3xx: a failed attempt, retried; redirects are not followed (a redirect could lead the
  signed body and the secret somewhere the user never configured).
- anything else, a timeout or a connection error: retried after the backoff, failed once the
  attempts are used up.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx

from kairos import metrics
from kairos.delivery.backoff import Backoff
from kairos.delivery.signing import signed_headers
from kairos.delivery.slack import slack_message
from kairos.engine.loop import StepLoop
from kairos.engine.worker import worker_name
from kairos.outbound import is_refused
from kairos.store.base import Store
from kairos.store.delivery import MAX_RESPONSE_BYTES, AttemptResult, DeliveryAttempt, DeliveryTask
from kairos.timeutil import utcnow

log = logging.getLogger(__name__)

# How long an attempt keeps reading the receiver's answer after its status line (seconds).
ANSWER_READ_SECONDS = 2.0
MAX_ERROR = 500


def _start_of_answer(response: httpx.Response) -> str | None:
    """The first MAX_RESPONSE_BYTES of the receiver's answer, as text, read for ANSWER_READ_SECONDS
    at most (plus the one read in progress): the status already decided the outcome, so a body
    that is slow, trickled, large or broken never costs the attempt or holds the loop."""
    kept = b""
    deadline = time.monotonic() + ANSWER_READ_SECONDS
    try:
        for chunk in response.iter_raw():
            kept += chunk
            if len(kept) >= MAX_RESPONSE_BYTES or time.monotonic() >= deadline:
                break
    except httpx.HTTPError:
        pass
    if not kept:
        return None
    text = kept[:MAX_RESPONSE_BYTES].decode("utf-8", errors="replace")
    return text + " …" if len(kept) > MAX_RESPONSE_BYTES else text


def classify(status_code: int, location: str | None) -> tuple[AttemptResult, str | None]:
    """What a receiver's HTTP status means for the delivery, and the error to record."""
    if 200 <= status_code < 300:
        return AttemptResult.DELIVERED, None
    if status_code == 410:
        return AttemptResult.FAILED, "the receiver answered 410 Gone; no more attempts"
    if 300 <= status_code < 400:
        where = f" to {location}" if location else ""
        return AttemptResult.RETRY, f"answered {status_code} (redirect{where}); redirects are not followed"
    return AttemptResult.RETRY, f"answered {status_code}"


class Deliverer(StepLoop):
    loop_name = "deliverer"

    def __init__(
        self,
        store: Store,
        client: httpx.Client,
        *,
        backoff: Backoff | None = None,
        concurrency: int = 8,
        timeout_seconds: float = 10.0,
        poll_interval: float = 1.0,
        base_url: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        name: str | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.backoff = backoff or Backoff()
        self.concurrency = concurrency
        self.timeout = httpx.Timeout(timeout_seconds)
        # Longer than any attempt can take (pool, connect, write and read timeouts in a row, the
        # answer's reading with its last read, and a margin), so a delivery is never claimed twice
        # while its first sender still waits on it, and no longer, so a crashed sender's webhook
        # goes out again soon.
        self.lease_seconds = timeout_seconds * 5 + ANSWER_READ_SECONDS + 5.0
        self.poll_interval = poll_interval
        self.base_url = base_url
        self.clock = clock
        self.rng = rng or random.Random()
        self.name = name or f"deliverer:{worker_name()}"
        self._in_flight = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="kairos-webhook")
        super().__init__()

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def process_one(self) -> bool:
        """Claim due deliveries for the free threads and start them; True if every thread got one."""
        with self._lock:
            free = self.concurrency - self._in_flight
        if free <= 0:
            return False
        claimed = self.store.claim_deliveries(self.name, self.clock(), free, self.lease_seconds)
        for task in claimed:
            with self._lock:
                self._in_flight += 1
            self._pool.submit(self._deliver, task)
        return len(claimed) == free

    def _deliver(self, task: DeliveryTask) -> None:
        try:
            try:
                result, attempt = self.send(task)
            except Exception as exc:
                # The request could not even be made (a stored secret that no longer decodes, a
                # body Slack formatting cannot read): no retry will fare better, so it is recorded
                # as a failed attempt rather than left to be claimed again forever.
                log.exception("could not prepare delivery %s", task.delivery.id)
                result, attempt = AttemptResult.FAILED, DeliveryAttempt(
                    at=self.clock(), status_code=None, duration_ms=0,
                    error=f"could not prepare the request: {type(exc).__name__}: {exc}"[:MAX_ERROR])
            next_at = None
            if result == AttemptResult.RETRY:
                made = task.delivery.attempt_count  # the claim counted this attempt
                next_at = self.backoff.next_attempt_at(made, self.clock(), self.rng)
                if next_at is None:
                    result = AttemptResult.FAILED
                    attempt = DeliveryAttempt(
                        at=attempt.at, status_code=attempt.status_code, duration_ms=attempt.duration_ms,
                        error=f"{attempt.error}; gave up after {made} attempts",
                    )
            if not self.store.record_delivery_attempt(task.delivery.id, self.name, attempt, result, next_at):
                log.info("delivery %s was taken over before its attempt was recorded", task.delivery.id)
            else:
                metrics.delivery_attempted(str(result))
        except Exception:
            log.exception("could not deliver %s", task.delivery.id)
        finally:
            with self._lock:
                self._in_flight -= 1
            self._wake.set()

    def _request(self, task: DeliveryTask, now: datetime) -> tuple[bytes, dict[str, str]]:
        delivery = task.delivery
        # The answer is kept as it came (its start only): ask for it uncompressed.
        headers = {"Content-Type": "application/json", "Accept-Encoding": "identity"}
        if task.webhook_type == "slack":
            message = slack_message(json.loads(delivery.body), delivery.summary, base_url=self.base_url)
            return json.dumps(message, ensure_ascii=False).encode(), headers
        content = delivery.body.encode()
        assert task.secret is not None
        return content, {**headers, **signed_headers(task.secret, delivery.id, now, content)}

    def send(self, task: DeliveryTask) -> tuple[AttemptResult, DeliveryAttempt]:
        """One attempt, without touching the store."""
        now = self.clock()
        if not task.url:
            return AttemptResult.FAILED, DeliveryAttempt(
                at=now, status_code=None, duration_ms=0,
                error="the schedule no longer has a webhook_url; delivery stopped")
        if task.webhook_type != "slack" and not task.secret:
            return AttemptResult.FAILED, DeliveryAttempt(
                at=now, status_code=None, duration_ms=0, error="the schedule has no webhook_secret")
        content, headers = self._request(task, now)
        started = time.monotonic()
        status_code: int | None = None
        answer: str | None = None
        try:
            with self.client.stream("POST", task.url, content=content, headers=headers,
                                    timeout=self.timeout, follow_redirects=False) as response:
                status_code = response.status_code
                result, error = classify(status_code, response.headers.get("location"))
                answer = _start_of_answer(response)
        except httpx.TimeoutException:
            result, error = AttemptResult.RETRY, f"timed out after {self.timeout.read:g} s"
        except httpx.HTTPError as exc:
            # The private-network guard's refusal is permanent: retrying cannot change the rule.
            # A user who fixes the URL or its DNS can resend with the retry endpoint.
            result = AttemptResult.FAILED if is_refused(exc) else AttemptResult.RETRY
            error = f"{type(exc).__name__}: {exc}"
        duration_ms = int((time.monotonic() - started) * 1000)
        if error:
            error = error[:MAX_ERROR]
        return result, DeliveryAttempt(at=now, status_code=status_code, error=error, duration_ms=duration_ms,
                                       response_body=answer)

    def step(self) -> float:
        return 0.0 if self.process_one() else self.poll_interval

    def drain(self, timeout: float = 10.0) -> None:
        """On stop: give attempts under way a moment to finish; the rest are claimed again later."""
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
        self.close()

    def close(self) -> None:
        """Release the threads and, unless an attempt still uses it, the HTTP client."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        if not self.in_flight:
            self.client.close()
