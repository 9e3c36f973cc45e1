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
# The reference's tag of each dialect says where it is served and what it answers like.
TAGS = [{"name": module.TAG, "description": (
    (module.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    + f" Served under `/compat/{name}{module.PREFIX}`"
    + (f" and at `{module.PREFIX}`." if name in AT_ROOT else ".")
    + " See docs/dialects.md for every choice the seed leaves open.")} for name, module in DIALECTS.items()]


def mount(app: FastAPI) -> None:
    for name, module in DIALECTS.items():
        app.include_router(module.router, prefix=f"/compat/{name}{module.PREFIX}")
        if name in AT_ROOT:
            app.include_router(module.router, prefix=module.PREFIX)
