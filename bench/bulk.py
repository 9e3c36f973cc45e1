"""Bulk-load a million schedules fast: one real schedule row, cloned by INSERT … SELECT.

The template goes in through `SqlStore.add_schedules`; each batch of clones is one statement
that copies every column from it except id, interval and start (`next_run_at` and `due_at` =
start), read from a JSON array (SQLite `json_each`) or from arrays (PostgreSQL `unnest`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from kairos.ids import new_id
from kairos.store.sqlalchemy.rows import SCHEDULE_COLUMNS
from kairos.store.sqlalchemy.tables import UTCDateTime

BATCH = 50_000
INTERVALS = (3600, 7200, 21600, 86400)

_SQLITE_SOURCE = "json_each(:rows) AS r"
_SQLITE_PICKS = {"id": "json_extract(r.value, '$[0]')",
                 "interval_seconds": "json_extract(r.value, '$[1]')",
                 "start_at": "json_extract(r.value, '$[2]')"}
_PG_SOURCE = ("unnest(CAST(:ids AS text[]), CAST(:intervals AS integer[]), "
              "CAST(:starts AS timestamptz[])) AS r(id, interval_seconds, start_at)")
_PG_PICKS = {"id": "r.id", "interval_seconds": "r.interval_seconds", "start_at": "r.start_at"}


def _statement(dialect: str) -> sa.TextClause:
    source, picks = (_SQLITE_SOURCE, _SQLITE_PICKS) if dialect == "sqlite" else (_PG_SOURCE,
                                                                               _PG_PICKS)
    picks = {**picks, "next_run_at": picks["start_at"], "due_at": picks["start_at"]}
    values = ", ".join(picks.get(name, f"t.{name}") for name in SCHEDULE_COLUMNS)
    return sa.text(f"INSERT INTO schedules ({', '.join(SCHEDULE_COLUMNS)}) "
                   f"SELECT {values} FROM schedules AS t, {source} WHERE t.id = :template")


@dataclass
class Clones:
    """`count` schedules not due for the next hour to day; keeps every 1000th id as a sample."""

    count: int
    seed: int = 11
    sample: list[str] = field(default_factory=list)

    def rows(self, now: datetime) -> Iterator[list[tuple[str, int, datetime]]]:
        rng = random.Random(self.seed)
        batch: list[tuple[str, int, datetime]] = []
        for index in range(self.count):
            schedule_id = new_id("sched")
            if index % 1000 == 0:
                self.sample.append(schedule_id)
            start = now + timedelta(seconds=rng.uniform(3600, 86400))
            batch.append((schedule_id, rng.choice(INTERVALS), start))
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def _params(dialect: sa.Dialect, template_id: str,
            batch: list[tuple[str, int, datetime]]) -> dict[str, object]:
    if dialect.name == "sqlite":
        to_text = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
        assert to_text is not None
        return {"template": template_id,
                "rows": json.dumps([[i, n, to_text(s)] for i, n, s in batch])}
    return {"template": template_id, "ids": [i for i, _, _ in batch],
            "intervals": [n for _, n, _ in batch], "starts": [s for _, _, s in batch]}


def clone(url: str, template_id: str, clones: Clones) -> None:
    engine = sa.create_engine(url)
    try:
        statement = _statement(engine.dialect.name)
        for batch in clones.rows(datetime.now(UTC)):
            with engine.begin() as conn:
                conn.execute(statement, _params(engine.dialect, template_id, batch))
        if engine.dialect.name == "postgresql":
            # What autovacuum does soon after a load this size; the planner needs the stats.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE schedules")
    finally:
        engine.dispose()
