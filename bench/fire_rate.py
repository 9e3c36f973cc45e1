"""Scenarios 1 and 2: fire rate and lateness (sustained, lighter loads, a burst) beside APScheduler."""

from __future__ import annotations

from collections.abc import Callable

from bench import firing, load
from bench.databases import Databases
from bench.firing import Outcome
from bench.report import mb, ms, rate, ratio, table, verdict
from bench.sizes import TARGET_FIRES_PER_SECOND, TARGET_LATENESS_P99, TARGET_SATURATED, Sizes

NOTES = [
    "Kairos: a fire counts once its fire row and job row are committed; lateness = commit time "
    "minus scheduled time. Counted from the database after the run.",
    "APScheduler 3 BackgroundScheduler + SQLAlchemyJobStore (SQLite, WAL, synchronous=NORMAL "
    "like Kairos), default 10-thread pool, coalesce=False, misfire_grace_time=3600; a fire "
    "counts when the job function ran; lateness = EVENT_JOB_EXECUTED time minus "
    "scheduled_run_time. It records nothing durable per run.",
    "CPU (getrusage) and peak RSS (VmHWM) are the scheduler's own child process.",
]
BEHIND = ("A scheduler that falls behind records every missed instant of a schedule in one go "
          "(Kairos run_all, APScheduler coalesce=False), so its fires/s grows with its backlog: "
          "read fires/s together with 'kept up' and the lateness.")


def _flags(outcome: Outcome) -> str:
    flags = []
    if outcome.report.get("late_start"):
        flags.append("started after the first due time")
    if outcome.report.get("failed"):
        flags.append(outcome.report["failed"])
    if outcome.report.get("db_mismatch"):
        flags.append("jobs/fires/recorded counts differ")
    return "; ".join(flags)


def _row(outcome: Outcome) -> list[object]:
    late = outcome.report["lateness"]
    cpu = outcome.report["cpu_seconds"]
    per_k = f"{cpu / outcome.fired * 1000:.2f} s" if outcome.fired else "-"
    kept = f"{outcome.fired / outcome.offered:.0%}" if outcome.offered else "-"
    return [outcome.name, f"{outcome.fired:,}", f"{outcome.offered:,}", kept,
            rate(outcome.per_second), ms(late["p50"]), ms(late["p99"]), ms(late["max"]),
            f"{cpu:.1f} s", per_k, mb(outcome.report["peak_rss"])]


HEADERS = ["scheduler / store", "fires", "offered", "kept up", "fires/s", "late p50",
           "late p99", "late max", "CPU", "CPU/1k fires", "peak RSS"]


def _side_by_side(dbs: Databases, make: Callable[[int, float], load.Load], count: int,
                  **how: float) -> list[Outcome]:
    """Kairos on SQLite, on PostgreSQL (when it answers), then APScheduler, same load."""
    outcomes = [firing.kairos(dbs, "sqlite", make, count, **how)]
    if dbs.has_postgres:
        outcomes.append(firing.kairos(dbs, "postgresql", make, count, **how))
    outcomes.append(firing.apscheduler(dbs, make, count, **how))
    return outcomes


def _offered(count: int, window: float) -> float:
    return load.sustained(count, 0.0).offered(window) / window


def _flag_notes(outcomes: list[Outcome]) -> list[str]:
    return [f"{o.name}: {_flags(o)}" for o in outcomes if _flags(o)]


def sustained(sizes: Sizes, dbs: Databases) -> None:
    count, window = sizes.fire_schedules, sizes.fire_seconds
    outcomes = _side_by_side(dbs, load.sustained, count, window=window)
    peer = outcomes[-1]
    table(f"1+2. Sustained fire rate: {count:,} interval schedules (1 s and 2 s), "
          f"{window:.0f} s, offered ~{_offered(count, window):,.0f} fires/s",
          HEADERS, [_row(o) for o in outcomes], notes=[*NOTES, BEHIND, *_flag_notes(outcomes)])
    rows = []
    for outcome in outcomes[:-1]:
        p99 = outcome.report["lateness"]["p99"]
        rows.append([
            outcome.name, ratio(outcome.per_second, peer.per_second),
            ratio(p99, peer.report["lateness"]["p99"]),
            f"{rate(outcome.per_second)}: {verdict(outcome.per_second >= TARGET_SATURATED)}",
        ])
    table("Kairos / APScheduler, and the saturated target", [
        "Kairos on", "fires/s ratio", "p99 lateness ratio (lower is better)",
        f"target >= {TARGET_SATURATED:,} fires/s saturated",
    ], rows)


def below_saturation(sizes: Sizes, dbs: Databases) -> None:
    """Lighter loads, where a scheduler should keep up: what lateness is left then."""
    rows = []
    outcomes: list[Outcome] = []
    for count in sizes.light_schedules:
        ran = _side_by_side(dbs, load.sustained, count, window=sizes.light_seconds)
        outcomes += ran
        offered = f"~{_offered(count, sizes.light_seconds):,.0f}/s"
        rows += [[name, offered, *rest, _sustained_verdict(o)] for o, (name, *rest) in zip(
            ran, map(_row, ran), strict=True)]
    table(f"1c. Lateness below saturation: fewer schedules (1 s and 2 s), "
          f"{sizes.light_seconds:.0f} s each",
          [HEADERS[0], "offered load", *HEADERS[1:],
           f"target >= {TARGET_FIRES_PER_SECOND:,}/s kept up, p99 <= {ms(TARGET_LATENESS_P99)}"],
          rows, notes=_flag_notes(outcomes))


def _sustained_verdict(outcome: Outcome) -> str:
    """Met when the load is at least the target, 99% of it is kept up, and p99 is within bound."""
    if outcome.offered / max(outcome.seconds, 1e-9) < TARGET_FIRES_PER_SECOND * 0.99:
        return "n/a (lighter load)"
    p99 = outcome.report["lateness"]["p99"]
    kept = outcome.fired >= 0.99 * outcome.offered
    return verdict(kept and p99 is not None and p99 <= TARGET_LATENESS_P99)


def burst(sizes: Sizes, dbs: Databases) -> None:
    count, timeout = sizes.burst_schedules, sizes.burst_timeout
    outcomes = _side_by_side(dbs, load.burst, count, timeout=timeout)
    rows = []
    for outcome in outcomes:
        drained = outcome.fired >= count
        rows.append([
            outcome.name, f"{outcome.fired:,} of {count:,}",
            ms(outcome.seconds) if drained else f"not drained in {timeout:.0f} s",
            rate(outcome.per_second), ms(outcome.report["lateness"]["p50"]),
            ms(outcome.report["lateness"]["p99"]), f"{outcome.report['cpu_seconds']:.1f} s",
            mb(outcome.report["peak_rss"]),
        ])
    peer = outcomes[-1]
    notes = [f"{o.name}: drain time {ratio(o.seconds, peer.seconds)} of APScheduler's"
             for o in outcomes[:-1] if o.fired >= count and peer.fired >= count]
    table(f"1b. Burst: {count:,} schedules all due at the same instant, time to drain",
          ["scheduler / store", "fired", "drain time", "fires/s", "late p50", "late p99", "CPU",
           "peak RSS"], rows,
          notes=[*notes, *_flag_notes(outcomes)])
