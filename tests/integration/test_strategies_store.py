"""The strategy part of the Store contract, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses

import pytest

from kairos.domain.schedules import Kind
from kairos.domain.strategies import Strategy, build_strategy
from kairos.exceptions import Conflict, StrategyNotFound
from kairos.ids import new_id
from kairos.store.pages import Page
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.integration.helpers import make_schedule, workspace_id


def api_strategy(ws: str) -> Strategy:
    return build_strategy({
        "name": "Forecast", "type": "api", "item": "days",
        # Names chosen so that JSONB's key order (shortest first) differs from the given order.
        "fields": {"temperature_max": {"selector": "t.max", "default": 0, "required": True},
                   "day": {"selector": "date", "regex": r"\d{4}"}, "all": {"selector": "x", "all": True}},
        "request": {"method": "POST", "url": "https://api.example.com/{city}", "headers": {"X-A": "{k}"},
                    "body": {"q": "{city}", "n": [1, {"deep": None}]}},
        "parameters": {"city": "Oslo", "k": "secret"},
    }, strategy_id=new_id("strat"), workspace_id=ws, now=utcnow())


def test_a_strategy_comes_back_as_it_went_in(store: SqlStore) -> None:
    ws = workspace_id(store)
    strategy = api_strategy(ws)
    store.add_strategy(strategy)
    loaded = store.get_strategy(ws, strategy.id)
    assert loaded == strategy
    assert list(loaded.fields) == ["temperature_max", "day", "all"]


def test_another_workspace_cannot_see_or_change_it(store: SqlStore) -> None:
    ws, other = workspace_id(store), workspace_id(store, "other")
    strategy = api_strategy(ws)
    store.add_strategy(strategy)
    with pytest.raises(StrategyNotFound):
        store.get_strategy(other, strategy.id)
    with pytest.raises(StrategyNotFound):
        store.update_strategy(other, strategy.id, lambda s: dataclasses.replace(s, name="x"))
    with pytest.raises(StrategyNotFound):
        store.delete_strategy(other, strategy.id)
    assert store.list_strategies(other, Page()).total == 0
    assert store.get_strategy(ws, strategy.id).name == "Forecast"


def test_update_writes_the_changed_strategy(store: SqlStore) -> None:
    ws = workspace_id(store)
    strategy = api_strategy(ws)
    store.add_strategy(strategy)
    assert store.update_strategy(ws, strategy.id, lambda s: s) == strategy
    renamed = store.update_strategy(ws, strategy.id, lambda s: dataclasses.replace(s, name="Weather"))
    assert store.get_strategy(ws, strategy.id) == renamed and renamed.name == "Weather"


def test_schedules_naming_it_block_the_delete(store: SqlStore) -> None:
    ws, other = workspace_id(store), workspace_id(store, "other")
    strategy = api_strategy(ws)
    store.add_strategy(strategy)
    user = dataclasses.replace(make_schedule(ws, utcnow(), interval_seconds=60), kind=Kind.SCRAPE,
                               payload={"strategy_id": strategy.id, "url": "https://example.com"})
    # Same id in another workspace's schedule: not this workspace's user.
    stranger = dataclasses.replace(make_schedule(other, utcnow(), interval_seconds=60), kind=Kind.SCRAPE,
                                   payload={"strategy_id": strategy.id, "url": "https://example.com"})
    store.add_schedules([user, stranger])
    assert store.schedules_using_strategy(ws, strategy.id) == [user.id]
    with pytest.raises(Conflict, match=user.id):
        store.delete_strategy(ws, strategy.id)
    store.delete_schedule(ws, user.id)
    store.delete_strategy(ws, strategy.id)
    with pytest.raises(StrategyNotFound):
        store.get_strategy(ws, strategy.id)
