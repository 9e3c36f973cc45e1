"""Dialects: each seed's API, served drop in over the canonical operations (SPEC 10).

Every dialect is served under `/compat/{name}` followed by the seed's literal paths; those whose
literal paths are free (every one but `reddit`, whose paths are the canonical API's) are also
served at the root, so a client of that service needs only its base URL changed.
"""

from __future__ import annotations

from fastapi import FastAPI

from kairos.api.compat import agents, projects, reddit, scrape

DIALECTS = {"reddit": reddit, "agents": agents, "projects": projects, "scrape": scrape}
AT_ROOT = ("agents", "projects", "scrape")


def mount(app: FastAPI) -> None:
    for name, module in DIALECTS.items():
        app.include_router(module.router, prefix=f"/compat/{name}{module.PREFIX}")
        if name in AT_ROOT:
            app.include_router(module.router, prefix=module.PREFIX)
