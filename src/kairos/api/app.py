"""The app factory: routers, error handlers, limits and the dashboard, around one Runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from kairos import __version__
from kairos.api import compat, errors, examples, openapi, reference
from kairos.api.audit import WORKSPACE_PREFIX, AuditLog
from kairos.api.limits import BodySizeLimit
from kairos.api.routers import (
    api_keys,
    audit_log,
    auth,
    beat,
    changes,
    deliveries,
    health,
    jobs,
    me,
    members,
    metrics,
    reddit_connection,
    reddit_media,
    reddit_posts,
    schedule_actions,
    schedule_sync,
    scheduler_links,
    schedules,
    strategies,
    tasks,
    workspaces,
)
from kairos.runtime import Runtime
from kairos.web import dashboard

API_PREFIX = WORKSPACE_PREFIX  # the audit log reads route templates relative to it

DESCRIPTION = """
Kairos runs work on a schedule and keeps the record of every run.

Authenticate with `X-API-Key: kr_…` or `Authorization: Bearer kr_…`. `{workspace}` is the
workspace id (`ws_…`) or its slug (`default`). Errors are `application/problem+json`.
"""


def create_app(runtime: Runtime, *, start_loops: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if start_loops:
            runtime.start()
        try:
            yield
        finally:
            if start_loops:
                runtime.stop()

    app = FastAPI(title="Kairos", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_tags=compat.TAGS)
    app.state.runtime = runtime
    errors.install(app)
    openapi.install(app)
    api = APIRouter(prefix=API_PREFIX)
    for module in (schedule_sync, schedules, schedule_actions, jobs, tasks, changes, beat, scheduler_links):
        api.include_router(module.router)
    for module in (me, members, api_keys, audit_log):
        api.include_router(module.router)
    api.include_router(deliveries.router)
    api.include_router(strategies.router)
    for module in (reddit_connection, reddit_posts, reddit_media):
        api.include_router(module.router)
    app.include_router(api)
    # Outside the `{workspace}` prefix: signing in, and listing or creating workspaces.
    app.include_router(auth.router)
    app.include_router(workspaces.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    compat.mount(app)
    reference.mount(app)
    examples.install(app)  # after openapi.install: it adds to the document that one makes
    dashboard.mount(app)
    app.add_middleware(AuditLog)
    app.add_middleware(BodySizeLimit)
    return app
