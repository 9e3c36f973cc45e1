"""The machine's Redis and RabbitMQ, for the scheduler-link tests: skipped when absent, failed in CI.

With KAIROS_REQUIRE_SERVICES=1 a missing service fails the test, as for PostgreSQL (conftest.py).
"""

from __future__ import annotations

import socket

import pytest

from tests.conftest import REQUIRE_SERVICES


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
