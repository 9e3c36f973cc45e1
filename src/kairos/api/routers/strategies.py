"""`/strategies`: create, list, read, update, delete, and test a strategy (saved or inline)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from kairos.api.audit import CHANGES_NOTHING
from kairos.api.deps import Admin, Operator, PageDep, SettingsDep, StoreDep, Viewer
from kairos.api.errors import validation_errors
from kairos.api.idempotency import idempotent
from kairos.api.json_body import StrictJSONRoute
from kairos.api.schemas.common import Problem
from kairos.api.schemas.schedules import DeletedResponse
from kairos.api.schemas.strategies import (
    InlineStrategyTest,
    StrategyCreate,
    StrategyList,
    StrategyPublic,
    StrategyTest,
    StrategyUpdate,
    TestResult,
)
from kairos.domain.strategies import Strategy, build_strategy, change_strategy
from kairos.domain.strategy_secrets import masked, restore_secrets
from kairos.exceptions import ExtractionError, FieldError, InvalidInput
from kairos.ids import new_id
from kairos.kinds.scrape.selectors import check_strategy
from kairos.kinds.scrape.trial import TrialInput, try_strategy
from kairos.settings import Settings
from kairos.timeutil import utcnow

router = APIRouter(route_class=StrictJSONRoute, tags=["strategies"], responses={
    400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
})
# A test answers with at most this many items (and the full count): enough to judge a strategy.
MAX_TEST_ITEMS = 1000


def strategy_public(strategy: Strategy) -> StrategyPublic:
    """The strategy as every role sees it: its secrets masked (they are write-only)."""
    strategy = masked(strategy)
    return StrategyPublic(
        id=strategy.id, workspace_id=strategy.workspace_id, name=strategy.name,
        description=strategy.description, type=strategy.type.value, item=strategy.item,
        fields={name: spec.to_json() for name, spec in strategy.fields.items()},
        request=strategy.request.to_json() if strategy.request else None,
        parameters=strategy.parameters,
        placeholders=strategy.request.placeholders() if strategy.request else [],
        created_at=strategy.created_at, updated_at=strategy.updated_at,
    )


def _checked(strategy: Strategy) -> Strategy:
    check_strategy(strategy)
    return strategy


@router.post("/strategies", status_code=201, response_model=StrategyPublic, summary="Create a strategy")
def create_strategy(body: StrategyCreate, request: Request, access: Operator,
                    store: StoreDep) -> JSONResponse:
    def produce() -> StrategyPublic:
        strategy = _checked(build_strategy(body.sent(), strategy_id=new_id("strat"),
                                           workspace_id=access.workspace.id, now=utcnow()))
        store.add_strategy(strategy)
        return strategy_public(strategy)

    return idempotent(request, store, access, body.sent(), 201, produce)


@router.get("/strategies", response_model=StrategyList, summary="List strategies")
def list_strategies(
    access: Viewer, store: StoreDep, page: PageDep,
    type: Literal["css", "xpath", "json", "api"] | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Search in names and descriptions")] = None,
) -> StrategyList:
    result = store.list_strategies(access.workspace.id, page, type=type, q=q)
    return StrategyList.of_page(result, strategy_public)


@router.get("/strategies/{strategy_id}", response_model=StrategyPublic, summary="Get a strategy")
def get_strategy(strategy_id: str, access: Viewer, store: StoreDep) -> StrategyPublic:
    return strategy_public(store.get_strategy(access.workspace.id, strategy_id))


def _update(strategy_id: str, body: StrategyUpdate, access: Operator, store: StoreDep) -> StrategyPublic:
    changes = body.sent()
    now = utcnow()
    updated = store.update_strategy(
        access.workspace.id, strategy_id,
        lambda current: _checked(change_strategy(current, restore_secrets(changes, current), now=now)),
    )
    return strategy_public(updated)


@router.patch("/strategies/{strategy_id}", response_model=StrategyPublic,
              summary="Update any subset of a strategy's fields")
def patch_strategy(strategy_id: str, body: StrategyUpdate, access: Operator,
                   store: StoreDep) -> StrategyPublic:
    return _update(strategy_id, body, access, store)


@router.put("/strategies/{strategy_id}", response_model=StrategyPublic,
            summary="Update a strategy (same partial semantics as PATCH)")
def put_strategy(strategy_id: str, body: StrategyUpdate, access: Operator,
                 store: StoreDep) -> StrategyPublic:
    return _update(strategy_id, body, access, store)


@router.delete("/strategies/{strategy_id}", response_model=DeletedResponse,
               responses={409: {"model": Problem}},
               summary="Delete a strategy no schedule uses")
def delete_strategy(strategy_id: str, access: Admin, store: StoreDep) -> DeletedResponse:
    store.delete_strategy(access.workspace.id, strategy_id)
    return DeletedResponse(message="Strategy deleted successfully", id=strategy_id)


def _trial_input(body: StrategyTest) -> TrialInput:
    return TrialInput(url=body.url, html=body.html, document=body.json_document,
                      has_document="json_document" in body.model_fields_set,
                      parameters=body.parameters)


def _run_test(strategy: Strategy, body: StrategyTest, settings: Settings,
              strategy_loc: tuple[str, ...]) -> TestResult:
    try:
        extraction = try_strategy(strategy, _trial_input(body), settings)
    except ExtractionError as exc:
        raise _extraction_problem(exc, body, strategy_loc) from None
    return TestResult(items=extraction.items[:MAX_TEST_ITEMS], count=len(extraction.items),
                      warnings=extraction.warnings + (
                          [f"showing the first {MAX_TEST_ITEMS} of {len(extraction.items)} items"]
                          if len(extraction.items) > MAX_TEST_ITEMS else []))


def _extraction_problem(exc: ExtractionError, body: StrategyTest,
                        strategy_loc: tuple[str, ...]) -> InvalidInput:
    """The failure as a 400 naming what failed: a selector of the strategy, a parameter, the document."""
    if exc.loc[:1] == ("parameters",):
        loc: tuple[str | int, ...] = exc.loc
    elif exc.loc[:1] == ("document",):
        loc = ("url",) if body.url is not None else ("json",)
    else:
        loc = (*strategy_loc, *exc.loc)
    return InvalidInput(exc.detail, errors=[FieldError(loc, exc.detail)])


@router.post("/strategies/{strategy_id}/test", response_model=TestResult, openapi_extra=CHANGES_NOTHING,
             summary="Run a saved strategy on a URL, inline HTML or inline JSON")
def test_strategy(strategy_id: str, body: StrategyTest, request: Request, access: Operator,
                  store: StoreDep, settings: SettingsDep) -> JSONResponse:
    def produce() -> TestResult:
        strategy = store.get_strategy(access.workspace.id, strategy_id)
        return _run_test(strategy, body, settings, ("strategy",))

    return idempotent(request, store, access, body.model_dump(mode="json", exclude_unset=True), 200, produce)


@router.post("/strategies:test", response_model=TestResult, openapi_extra=CHANGES_NOTHING,
             summary="Run an unsaved strategy (under `strategy`) on a URL, inline HTML or inline JSON")
def test_inline_strategy(body: InlineStrategyTest, request: Request, access: Operator, store: StoreDep,
                         settings: SettingsDep) -> JSONResponse:
    return idempotent(request, store, access, body.model_dump(mode="json", exclude_unset=True), 200,
                      lambda: _test_inline(body, access, settings))


def _test_inline(body: InlineStrategyTest, access: Operator, settings: Settings) -> TestResult:
    raw: dict[str, Any] = {"name": "inline strategy", **body.strategy}
    try:
        fields = StrategyCreate.model_validate(raw).sent()
    except ValidationError as exc:
        errors = validation_errors(list(exc.errors()), ("strategy",))
        raise InvalidInput(errors=[FieldError(tuple(e["loc"]), e["msg"]) for e in errors]) from None
    try:
        strategy = _checked(build_strategy(fields, strategy_id="strat_inline",
                                           workspace_id=access.workspace.id, now=utcnow()))
    except InvalidInput as exc:
        raise InvalidInput(errors=[FieldError(("strategy", *e.loc), e.msg) for e in exc.errors]) from None
    return _run_test(strategy, body, settings, ("strategy",))
