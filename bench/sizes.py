"""How big each scenario is (full run and `--quick`), and the targets printed beside results."""

from __future__ import annotations

from dataclasses import dataclass

TARGET_FIRES_PER_SECOND = 10_000  # sustained (kept up), with p99 lateness at most:
TARGET_LATENESS_P99 = 0.100
TARGET_SATURATED = 20_000  # fires/s when offered more than that
TARGET_SCHEDULER_RSS = 500 * 1024 * 1024
TARGET_LIST_P99 = 0.050


@dataclass(frozen=True)
class Sizes:
    fire_schedules: int
    fire_seconds: float
    light_schedules: tuple[int, ...]
    light_seconds: float
    burst_schedules: int
    burst_timeout: float
    scale_schedules: int
    scale_seconds: float
    list_requests: int
    e2e_schedules: int
    e2e_seconds: float


FULL = Sizes(fire_schedules=32_000, fire_seconds=20.0, light_schedules=(2_000, 5_000, 13_400),
             light_seconds=10.0, burst_schedules=50_000,
             burst_timeout=60.0, scale_schedules=1_000_000, scale_seconds=10.0,
             list_requests=200, e2e_schedules=400, e2e_seconds=20.0)
QUICK = Sizes(fire_schedules=32_000, fire_seconds=6.0, light_schedules=(13_400,),
              light_seconds=5.0, burst_schedules=10_000,
              burst_timeout=30.0, scale_schedules=100_000, scale_seconds=5.0,
              list_requests=200, e2e_schedules=200, e2e_seconds=8.0)
