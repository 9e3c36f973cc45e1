"""Where the time goes: the database's plan for the scheduler's claim query.

The query is built the way `SqlStore.fire_due` builds it and sent with bound parameters, as
the driver sends it (a plan with literal values could pick an index the real query cannot).
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from kairos.store.sqlalchemy.firing import FIRING
from kairos.store.sqlalchemy.tables import schedules
from kairos.timeutil import utcnow

_COST = re.compile(r"\s+\(cost=[^)]*\)")


def _driver_params(compiled: sa.sql.compiler.SQLCompiler, dialect: sa.Dialect) -> Any:
    processed = {}
    for name, value in compiled.construct_params().items():
        process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        processed[name] = process(value) if process else value
    if compiled.positiontup is not None:
        return tuple(processed[name] for name in compiled.positiontup)
    return processed


def claim_plan(url: str) -> str:
    """The plan of the claim (`fire_due`'s SELECT), on one line."""
    engine = sa.create_engine(url)
    try:
        query = (sa.select(schedules).where(FIRING, schedules.c.due_at <= utcnow())
                 .order_by(schedules.c.due_at).limit(1000))
        compiled = query.compile(dialect=engine.dialect)
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(prefix + str(compiled),
                                        _driver_params(compiled, engine.dialect)).all()
        if engine.dialect.name == "sqlite":
            return "; ".join(str(row[-1]) for row in rows)
        return "; ".join(_COST.sub("", str(row[0])).strip() for row in rows)
    finally:
        engine.dispose()
