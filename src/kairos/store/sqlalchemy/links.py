"""Scheduler links and the sync of their schedules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from kairos.domain.links import SchedulerLink, beat_owner, beat_queue, celery_owner
from kairos.domain.schedules import Schedule
from kairos.exceptions import Conflict, LinkNotFound
from kairos.store.links import SyncWrite
from kairos.store.pages import Page, PageResult
from kairos.store.sqlalchemy.database import Database
from kairos.store.sqlalchemy.links_tables import scheduler_links
from kairos.store.sqlalchemy.paging import paginate
from kairos.store.sqlalchemy.rows import Row, schedule_from_row, schedule_to_row
from kairos.store.sqlalchemy.tables import jobs, schedules

_LINK_FIELDS = ("id", "workspace_id", "name", "type", "publisher", "broker_url", "result_backend",
                "source", "state", "last_event_at", "last_sync_at", "created_at", "updated_at")


def link_from_row(row: Row) -> SchedulerLink:
    return SchedulerLink(**{name: row[name] for name in _LINK_FIELDS})


def _link_row(link: SchedulerLink) -> dict[str, Any]:
    return {name: getattr(link, name) for name in _LINK_FIELDS}


def _name_taken(link: SchedulerLink) -> Conflict:
    return Conflict(f"this workspace already has a link named {link.name!r}")


class LinkStoreMixin:
    db: Database

    def add_link(self, link: SchedulerLink) -> None:
        try:
            with self.db.write() as conn:
                conn.execute(scheduler_links.insert().values(**_link_row(link)))
        except IntegrityError:
            raise _name_taken(link) from None

    def get_link(self, workspace_id: str, link_id: str) -> SchedulerLink:
        with self.db.read() as conn:
            row = conn.execute(sa.select(scheduler_links).where(
                scheduler_links.c.id == link_id, scheduler_links.c.workspace_id == workspace_id,
            )).mappings().first()
        if row is None:
            raise LinkNotFound(link_id)
        return link_from_row(row)

    def list_links(self, workspace_id: str, page: Page, *, type: str | None = None) -> PageResult[SchedulerLink]:
        query = sa.select(scheduler_links).where(scheduler_links.c.workspace_id == workspace_id)
        if type is not None:
            query = query.where(scheduler_links.c.type == type)
        with self.db.read() as conn:
            return paginate(conn, query, scheduler_links.c.id, page, link_from_row)

    def all_links(self) -> list[SchedulerLink]:
        """Every workspace's links: what the event receivers and pollers watch."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(scheduler_links).order_by(scheduler_links.c.id)).mappings()
            return [link_from_row(row) for row in rows]

    def update_link(
        self, workspace_id: str, link_id: str, change: Callable[[SchedulerLink], SchedulerLink]
    ) -> SchedulerLink:
        """Apply `change` holding the link's row; the receiver's notes are not overwritten."""
        try:
            with self.db.write() as conn:
                row = conn.execute(sa.select(scheduler_links).where(
                    scheduler_links.c.id == link_id, scheduler_links.c.workspace_id == workspace_id,
                ).with_for_update()).mappings().first()
                if row is None:
                    raise LinkNotFound(link_id)
                current = link_from_row(row)
                updated = change(current)
                values = _link_row(updated)
                for name in ("id", "workspace_id", "created_at", "state", "last_event_at", "last_sync_at"):
                    del values[name]
                conn.execute(scheduler_links.update().where(scheduler_links.c.id == link_id).values(**values))
        except IntegrityError:
            raise _name_taken(updated) from None
        return updated

    def delete_link(self, workspace_id: str, link_id: str, now: datetime) -> int:
        """Delete the link and Kairos's copies of its schedules; returns how many went with it.

        Its jobs still waiting for a beat, claimed by one or run by its fleet are cancelled in the
        same transaction: nothing would end them once the link is gone.
        """
        with self.db.write() as conn:
            found = conn.scalar(sa.select(scheduler_links.c.id).where(
                scheduler_links.c.id == link_id, scheduler_links.c.workspace_id == workspace_id,
            ))
            if found is None:
                raise LinkNotFound(link_id)
            conn.execute(jobs.update().where(
                jobs.c.workspace_id == workspace_id, jobs.c.status == "running",
                sa.or_(jobs.c.lease_owner.in_([celery_owner(link_id), beat_queue(link_id)]),
                       jobs.c.lease_owner.like(beat_owner(link_id, "") + "%")),
            ).values(status="cancelled", completed_at=now, lease_expires_at=None,
                     error_message="cancelled: its scheduler link was deleted"))
            deleted = conn.execute(schedules.delete().where(
                schedules.c.workspace_id == workspace_id, schedules.c.link_id == link_id,
            )).rowcount
            conn.execute(scheduler_links.delete().where(scheduler_links.c.id == link_id))
        return int(deleted)

    def note_link(self, link_id: str, *, now: datetime, event: bool = False, synced: bool = False,
                  state: dict[str, Any] | None = None) -> None:
        """Record what a receiver or a sync learnt of the link (merged into its `state`)."""
        with self.db.write() as conn:
            row = conn.execute(sa.select(scheduler_links.c.state).where(
                scheduler_links.c.id == link_id)).first()
            if row is None:
                return
            values: dict[str, Any] = {}
            if state:
                values["state"] = {**(row.state or {}), **state}
            if event:
                values["last_event_at"] = now
            if synced:
                values["last_sync_at"] = now
            if values:
                conn.execute(scheduler_links.update().where(scheduler_links.c.id == link_id).values(**values))

    def linked_schedules(self, workspace_id: str, link_id: str) -> list[Schedule]:
        with self.db.read() as conn:
            rows = conn.execute(sa.select(schedules).where(
                schedules.c.workspace_id == workspace_id, schedules.c.link_id == link_id,
            ).order_by(schedules.c.id)).mappings()
            return [schedule_from_row(row) for row in rows]

    def apply_sync(self, workspace_id: str, link_id: str, write: SyncWrite) -> None:
        """Add, replace and delete a link's schedules in one transaction (all or nothing)."""
        with self.db.write() as conn:
            mine = sa.and_(schedules.c.workspace_id == workspace_id, schedules.c.link_id == link_id)
            if write.delete:
                conn.execute(schedules.delete().where(mine, schedules.c.id.in_(list(write.delete))))
            for schedule in write.replace:
                values = schedule_to_row(schedule)
                del values["id"], values["workspace_id"], values["created_at"]
                values["version"] = schedules.c.version + 1
                conn.execute(schedules.update().where(mine, schedules.c.id == schedule.id).values(**values))
            if write.add:
                conn.execute(schedules.insert(), [schedule_to_row(s) for s in write.add])
