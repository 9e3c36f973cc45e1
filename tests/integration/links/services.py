"""The machine's Redis and RabbitMQ, for the scheduler-link tests: skipped when absent, failed in CI.

With KAIROS_REQUIRE_SERVICES=1 a missing service fails the test, as for PostgreSQL (conftest.py).
"""

from __future__ import annotations

import os
import socket

import pytest

from tests.conftest import REQUIRE_SERVICES

# The Redis databases and RabbitMQ queue these tests own. Two runs on one machine (a CI clone and a
# checkout) set KAIROS_TEST_REDIS_DB apart, so their Celery workers never consume each other's tasks.
WORKER_DB = int(os.environ.get("KAIROS_TEST_REDIS_DB", "11"))
REDBEAT_DB = WORKER_DB + 1
WORKER_BROKER = f"redis://127.0.0.1:6379/{WORKER_DB}"
REDBEAT_URL = f"redis://127.0.0.1:6379/{REDBEAT_DB}"
RABBIT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"
RABBIT_QUEUE = f"kairos-test-links-{WORKER_DB}"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _require(name: str, port: int) -> None:
    if _answers(port):
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} is required (KAIROS_REQUIRE_SERVICES=1) but 127.0.0.1:{port} does not answer")
    pytest.skip(f"{name} is not running")


def require_redis() -> None:
    _require("Redis", 6379)


def require_rabbitmq() -> None:
    _require("RabbitMQ", 5672)
