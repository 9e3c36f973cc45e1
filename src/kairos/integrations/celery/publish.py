"""Sending tasks to a linked Celery broker: `send_task` with the JSON serializer, never pickle.

Kairos does not import the user's app to publish: a bare Celery app per broker URL sends the task
by name, which is what Celery beat itself does. The task id is chosen by the caller (Kairos
writes the fire row with it first), so the events that come back find their fire.
"""

from __future__ import annotations

import threading
from typing import Any

from kairos.exceptions import LinkUnavailable

try:
    import celery
except ImportError:  # the `celery` extra is not installed
    celery = None

NEEDS_EXTRA = "talking to a Celery broker needs Celery: install kairos[celery]"
# A linked broker or result backend is the user's: one that accepts a connection and then says
# nothing must not hold a Kairos loop forever.
CONNECT_TIMEOUT_SECONDS = 5
SOCKET_TIMEOUT_SECONDS = 10
# Celery's own options a beat entry may carry that make sense for one publish.
PUBLISH_OPTIONS = ("queue", "exchange", "routing_key", "priority", "expires", "headers", "countdown")


def _require() -> None:
    if celery is None:
        raise LinkUnavailable(NEEDS_EXTRA)


class CeleryApps:
    """One lightweight Celery app per broker URL, kept for the life of the process."""

    def __init__(self) -> None:
        self._apps: dict[str, Any] = {}
        self._lock = threading.Lock()

    def app(self, broker_url: str, result_backend: str | None = None) -> Any:
        _require()
        key = f"{broker_url}\n{result_backend or ''}"
        with self._lock:
            if key not in self._apps:
                app = celery.Celery("kairos", broker=broker_url, backend=result_backend or None,
                                    set_as_current=False)
                app.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json",
                                broker_connection_retry_on_startup=False,
                                broker_connection_timeout=CONNECT_TIMEOUT_SECONDS,
                                # Redis brokers: kombu reads only when the socket is readable, so a
                                # quiet event stream does not time out.
                                broker_transport_options={"max_retries": 2,
                                                          "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
                                                          "socket_timeout": SOCKET_TIMEOUT_SECONDS},
                                redis_socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                redis_socket_timeout=SOCKET_TIMEOUT_SECONDS, redis_retry_on_timeout=False)
                self._apps[key] = app
            return self._apps[key]

    def send(self, broker_url: str, task: str, *, task_id: str, args: list[Any], kwargs: dict[str, Any],
             options: dict[str, Any] | None = None, headers: dict[str, Any] | None = None) -> str:
        """Publish one task by name; returns its id. LinkUnavailable when the broker refuses."""
        app = self.app(broker_url)
        extra = {k: v for k, v in (options or {}).items() if k in PUBLISH_OPTIONS and v is not None}
        merged_headers = {**(extra.pop("headers", None) or {}), **(headers or {})}
        try:
            result = app.send_task(task, args=args, kwargs=kwargs, task_id=task_id, serializer="json",
                                   headers=merged_headers or None, retry=True,
                                   retry_policy={"max_retries": 2, "interval_start": 0.2,
                                                 "interval_step": 0.5, "interval_max": 1}, **extra)
        except Exception as exc:
            raise LinkUnavailable(f"could not publish {task!r} to the broker: "
                                  f"{exc.__class__.__name__}: {exc}") from None
        return str(result.id)

    def close(self) -> None:
        with self._lock:
            for app in self._apps.values():
                app.close()
            self._apps.clear()


def ping_broker(broker_url: str) -> str:
    """'ok', or why the broker could not be reached."""
    if celery is None:
        return NEEDS_EXTRA
    app = celery.Celery("kairos-ping", broker=broker_url, set_as_current=False)
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:
        return f"{exc.__class__.__name__}: {exc}"
    finally:
        app.close()
    return "ok"
