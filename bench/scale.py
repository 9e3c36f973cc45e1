"""Scenario 3: a million stored schedules. Scheduler memory, claim time, list page latency."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bench import bulk, child, listing, plans, seed
from bench.api_server import kairos_api
from bench.databases import Databases, prepare
from bench.report import mb, ms, percentile, table, verdict
from bench.sizes import TARGET_LIST_P99, TARGET_SCHEDULER_RSS, Sizes
from kairos.store.sqlalchemy.store import SqlStore

KINDS = ("first page", "offset", "cursor")


def _due_soon(store: SqlStore, workspace_id: str, count: int, seconds: float) -> None:
    """Real schedules (minutely) whose first fires are spread over the scheduler's window."""
    base = seed.template(workspace_id, 60)
    # The child takes a second or two to start; all of them fall due well inside its run.
    t0 = time.time() + 2.0
    store.add_schedules([
        seed.starting_at(base, datetime.fromtimestamp(t0 + seconds / 2 * i / count, UTC))
        for i in range(count)
    ])


def _pair(values: list[float]) -> str:
    p50, p99 = percentile(values, 50), percentile(values, 99)
    if p50 is None or p99 is None:
        return "-"
    return f"{p50 * 1000:,.1f} / {p99 * 1000:,.1f}"


def _list_row(label: str, times: dict[str, list[float]]) -> list[object]:
    everything = [t for kind in KINDS for t in times.get(kind, [])]
    p99 = percentile(everything, 99)
    return [label, *(_pair(times.get(kind, [])) for kind in KINDS), _pair(everything),
            verdict(p99 is not None and p99 < TARGET_LIST_P99)]


def _one_backend(sizes: Sizes, dbs: Databases, backend: str) -> tuple[list[object],
                                                                       list[list[object]], str]:
    url = dbs.new(backend, "scale")
    try:
        store, workspace = prepare(url)
        template = seed.template(workspace.id, 3600)
        store.add_schedules([template])
        due = max(1, sizes.scale_schedules // 100)
        clones = bulk.Clones(sizes.scale_schedules - 1 - due)
        began = time.perf_counter()
        bulk.clone(url, template.id, clones)
        load_seconds = time.perf_counter() - began
        claim = plans.claim_plan(url)
        _due_soon(store, workspace.id, due, sizes.scale_seconds)
        report = child.run("scale_child", {"url": url, "seconds": sizes.scale_seconds},
                           timeout=sizes.scale_seconds + 300)
        requests = listing.plan(sizes.scale_schedules, clones.sample, sizes.list_requests)
        rows = [_list_row(f"{backend} / store", listing.through_store(store, workspace.id,
                                                                      requests))]
        api_dir = dbs.path(f"api-{backend}")
        api_dir.mkdir(exist_ok=True)
        with kairos_api(url, api_dir) as (client, server):
            rows.append(_list_row(f"{backend} / HTTP", listing.through_http(client, requests)))
            api_rss = server.memory_info().rss
        store.close()
    finally:
        dbs.drop(url)
    rss = max(report["peak_rss_sampled"], report["peak_rss"])
    steps = report["steps"]
    return [
        backend, f"{load_seconds:.0f} s ({sizes.scale_schedules / load_seconds:,.0f}/s)",
        f"{mb(rss)}: {verdict(rss < TARGET_SCHEDULER_RSS)}", ms(steps["p50"]), ms(steps["p99"]),
        f"{steps['n']:,}", f"{report['fired']:,} of {due:,}", ms(report["next_due_at"]["p50"]),
        mb(api_rss),
    ], rows, claim


def scale(sizes: Sizes, dbs: Databases) -> None:
    backends = ["sqlite", "postgresql"] if dbs.has_postgres else ["sqlite"]
    results = [_one_backend(sizes, dbs, backend) for backend in backends]
    count = sizes.scale_schedules
    table(f"3. Scale: {count:,} stored schedules (1% due during the run), scheduler child "
          f"calling process_one() back to back for {sizes.scale_seconds:.0f} s",
          ["store", "bulk load", f"scheduler peak RSS (< {mb(TARGET_SCHEDULER_RSS)})",
           "process_one p50", "p99", "steps", "fired", "next_due_at p50", "API RSS"],
          [summary for summary, _, _ in results],
          notes=["peak RSS: the larger of psutil sampling every 50 ms and the child's VmHWM.",
                 *(f"claim query plan on {backend}: {claim}"
                   for backend, (_, _, claim) in zip(backends, results, strict=True))])
    table(f"3b. Schedule list, limit 50, {sizes.list_requests} requests (a fifth first pages, "
          f"the rest random offsets and random cursors), ms p50 / p99",
          ["store / path", *KINDS, "all", f"p99 < {ms(TARGET_LIST_P99)}"],
          [row for _, rows, _ in results for row in rows],
          notes=["HTTP: a real `kairos api` process (uvicorn), httpx client with an API key, "
                 "one request at a time."])
