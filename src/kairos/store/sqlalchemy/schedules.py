"""Schedules and their fire history."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa

from kairos.domain.jobs import Fire
from kairos.domain.schedules import Schedule
from kairos.exceptions import Conflict, ScheduleNotFound
from kairos.store.base import Page, PageResult, ScheduleFilters
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.paging import paginate
from kairos.store.sqlalchemy.rows import fire_from_row, schedule_from_row, schedule_to_row
from kairos.store.sqlalchemy.tables import fires, jobs, schedules

_UPDATE_ATTEMPTS = 5


def fires_query(workspace_id: str, schedule_id: str) -> sa.Select[tuple[object, ...]]:
    return (
        sa.select(
            fires.c.id, fires.c.schedule_id, fires.c.scheduled_for, fires.c.fired_at,
            fires.c.job_id, fires.c.status, fires.c.trigger,
            jobs.c.status.label("job_status"), jobs.c.task_id,
        )
        .select_from(fires.outerjoin(jobs, jobs.c.id == fires.c.job_id))
        .where(fires.c.workspace_id == workspace_id, fires.c.schedule_id == schedule_id)
    )


class ScheduleStoreMixin:
    db: Database

    def add_schedules(self, items: Sequence[Schedule]) -> None:
        if not items:
            return
        with self.db.write() as conn:
            conn.execute(schedules.insert(), [schedule_to_row(s) for s in items])

    def get_schedule(self, workspace_id: str, schedule_id: str) -> Schedule:
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(schedules).where(
                    schedules.c.id == schedule_id, schedules.c.workspace_id == workspace_id
                )
            ).mappings().first()
        if row is None:
            raise ScheduleNotFound(schedule_id)
        return schedule_from_row(row)

    def list_schedules(
        self, workspace_id: str, filters: ScheduleFilters, page: Page
    ) -> PageResult[Schedule]:
        query = sa.select(schedules).where(schedules.c.workspace_id == workspace_id)
        for name in ("enabled", "kind", "trigger_type", "scheduler", "link_id"):
            value = getattr(filters, name)
            if value is not None:
                query = query.where(schedules.c[name] == value)
        if filters.status is not None:
            statuses = (filters.status,) if isinstance(filters.status, str) else filters.status
            # As shown (SPEC 3): `disabled` is every schedule turned off, whatever it was before;
            # the other statuses are those of schedules that are on.
            query = query.where(sa.or_(*(
                schedules.c.enabled.is_(False) if status == "disabled"
                else sa.and_(schedules.c.enabled.is_(True), schedules.c.status == status)
                for status in statuses
            )))
        if filters.q:
            pattern = "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                sa.or_(
                    schedules.c.name.ilike(pattern, escape="\\"),
                    schedules.c.description.ilike(pattern, escape="\\"),
                    sa.cast(schedules.c.payload, sa.Text).ilike(pattern, escape="\\"),
                )
            )
        with self.db.read() as conn:
            return paginate(conn, query, schedules.c.id, page, schedule_from_row)

    def update_schedule(
        self, workspace_id: str, schedule_id: str, change: Callable[[Schedule], Schedule]
    ) -> Schedule:
        """Apply `change` to the stored schedule; retried when the scheduler wrote in between."""
        for _ in range(_UPDATE_ATTEMPTS):
            current = self.get_schedule(workspace_id, schedule_id)
            updated = change(current)
            if updated is current:
                return current
            row = schedule_to_row(updated)
            row["version"] = current.version + 1
            with self.db.write() as conn:
                result = conn.execute(
                    schedules.update()
                    .where(schedules.c.id == schedule_id, schedules.c.version == current.version)
                    .values(**{k: v for k, v in row.items() if k not in ("id", "workspace_id")})
                )
            if result.rowcount == 1:
                return self.get_schedule(workspace_id, schedule_id)
        raise Conflict("the schedule kept changing while it was being updated; try again")

    def delete_schedule(self, workspace_id: str, schedule_id: str) -> None:
        with self.db.write() as conn:
            result = conn.execute(
                schedules.delete().where(
                    schedules.c.id == schedule_id, schedules.c.workspace_id == workspace_id
                )
            )
        if result.rowcount == 0:
            raise ScheduleNotFound(schedule_id)

    def list_fires(self, workspace_id: str, schedule_id: str, page: Page) -> PageResult[Fire]:
        self.get_schedule(workspace_id, schedule_id)
        with self.db.read() as conn:
            return paginate(
                conn, fires_query(workspace_id, schedule_id), fires.c.id, page, fire_from_row
            )
