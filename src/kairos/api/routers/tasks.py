"""`/tasks`: the task and workflow names this deployment has registered."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from kairos.api.deps import Viewer
from kairos.api.json_body import StrictJSONRoute
from kairos.kinds import registry

router = APIRouter(route_class=StrictJSONRoute, tags=["tasks"])


class Registered(BaseModel):
    name: str
    description: str
    is_async: bool


class RegisteredList(BaseModel):
    tasks: list[Registered]
    workflows: list[Registered]


def _listed(family: registry.Registry) -> list[Registered]:
    return [Registered(name=item.name, description=item.description, is_async=item.is_async)
            for item in (family.get(name) for name in family.names())]


@router.get("/tasks", response_model=RegisteredList,
            summary="Registered tasks and workflows (names are still resolved when a job runs)")
def list_registered(access: Viewer) -> RegisteredList:
    return RegisteredList(tasks=_listed(registry.tasks), workflows=_listed(registry.workflows))
