"""`/healthz` (the process answers) and `/readyz` (database reachable, loops alive)."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from kairos.api.deps import RuntimeDep
from kairos.api.json_body import StrictJSONRoute

router = APIRouter(route_class=StrictJSONRoute, tags=["health"])
STALE_AFTER_SECONDS = 30.0


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the database answers and the loops are alive")
def readyz(runtime: RuntimeDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        runtime.store.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {exc.__class__.__name__}"
    now = time.monotonic()
    for name, loop in runtime.loops():
        tick = loop.last_tick_at
        checks[name] = "ok" if tick is not None and now - tick < STALE_AFTER_SECONDS else "stalled"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks},
                        status_code=200 if ready else 503)
