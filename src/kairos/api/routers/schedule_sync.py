"""`POST /schedules:import|:diff|:resync`: Kairos's copies of a linked scheduler's schedules.

The work is in kairos.api.sync_operations, which the `projects` dialect calls as well.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kairos.api import sync_operations as sync
from kairos.api.audit import CHANGES_NOTHING
from kairos.api.deps import Operator, RuntimeDep, SettingsDep, StoreDep
from kairos.api.idempotency import idempotent
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.common import Problem
from kairos.api.schemas.links import NO_BODY, DiffResponse, ResyncRequest, SyncRequest, SyncResponse

router = APIRouter(route_class=StrictJSONRoute, tags=["schedules"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
    409: {"model": Problem}, 502: {"model": Problem},
})


@router.post("/schedules:diff", response_model=DiffResponse, openapi_extra=CHANGES_NOTHING,
             summary="How Kairos's copies differ from the linked scheduler (writes nothing)")
def diff_schedules(access: Operator, store: StoreDep, settings: SettingsDep,
                   body: SyncRequest = NO_BODY) -> DiffResponse:
    return sync.diff_schedules(body, access, store, settings)


@router.post("/schedules:import", response_model=SyncResponse,
             summary="Materialise the linked scheduler's schedules in Kairos (adds and updates)")
def import_schedules(request: Request, access: Operator, store: StoreDep, settings: SettingsDep,
                     runtime: RuntimeDep, body: SyncRequest = NO_BODY) -> JSONResponse:
    return idempotent(request, store, access, body.model_dump(), 200,
                      lambda: sync.import_schedules(body, request, access, store, settings, runtime))


@router.post("/schedules:resync", response_model=SyncResponse,
             summary="Make one side match the other: Kairos from the scheduler, or the scheduler from Kairos")
def resync_schedules(body: ResyncRequest, request: Request, access: Operator, store: StoreDep,
                     settings: SettingsDep, runtime: RuntimeDep) -> JSONResponse:
    return idempotent(request, store, access, body.model_dump(), 200,
                      lambda: sync.resync_schedules(body, request, access, store, settings, runtime))
