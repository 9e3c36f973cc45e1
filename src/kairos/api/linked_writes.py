"""Changes made in Kairos to a linked scheduler's schedule, written through to that scheduler.

The external scheduler stays authoritative (SPEC 8): creating, changing, enabling or deleting a
schedule with `scheduler` celery-beat or apscheduler writes its store first, and only where the
store is made for it (django-celery-beat tables, redbeat keys); elsewhere it is a 409 saying so.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from kairos.api.link_lookup import resolve_link, source_policy
from kairos.domain.external import entry_name, entry_of
from kairos.domain.schedules import Schedule
from kairos.exceptions import Conflict, FieldError, InvalidInput
from kairos.integrations.sources import write_entries
from kairos.settings import Settings
from kairos.store.base import Store
from kairos.timeutil import utcnow

log = logging.getLogger(__name__)


def _writable_link(store: Store, schedule: Schedule, link_id: str | None) -> tuple[Schedule, str]:
    link = resolve_link(store, schedule.workspace_id, link_id, schedule.scheduler)
    reason = link.read_only_reason()
    if reason is not None:
        raise Conflict(f"{reason}; Kairos shows its schedules and can trigger them, but cannot write them")
    return dataclasses.replace(schedule, link_id=link.id), link.id


def _reject_read_only_entry(schedule: Schedule) -> None:
    reason = schedule.external.get("read_only_reason")
    if reason:
        raise Conflict(f"schedule {schedule.name!r} is read-only in Kairos: {reason}")


def bind_linked(store: Store, schedule: Schedule) -> Schedule:
    """A new schedule of a linked scheduler, bound to its writable link; nothing is written yet."""
    schedule, _ = _writable_link(store, schedule, schedule.link_id)
    return dataclasses.replace(schedule, external={"entry": schedule.name, "options": {}})


def create_linked(store: Store, settings: Settings, schedules: list[Schedule]) -> None:
    """Write new linked schedules (bound by `bind_linked`) to their schedulers' stores.

    The external scheduler is authoritative (SPEC 8), so its store is written before Kairos keeps
    its copies; when one write fails, the entries already written are deleted again.
    """
    _refuse_taken_names(store, schedules)
    written: list[Schedule] = []
    try:
        for schedule in schedules:
            assert schedule.link_id is not None
            link = store.get_link(schedule.workspace_id, schedule.link_id)
            entry = entry_of(schedule)
            write_entries(link, source_policy(settings), [entry], [], {entry.name: schedule.next_run_at},
                          utcnow())
            written.append(schedule)
    except BaseException:
        undo_linked(store, settings, written)
        raise


def undo_linked(store: Store, settings: Settings, schedules: list[Schedule]) -> None:
    """Delete the entries just written for `schedules`, each on its own: one that fails to go is
    logged, and the others are still deleted."""
    for schedule in schedules:
        try:
            delete_linked(store, settings, schedule)
        except Exception:
            log.exception("could not delete the entry %r just written for a schedule that was not kept",
                          entry_name(schedule))


def _refuse_taken_names(store: Store, schedules: list[Schedule]) -> None:
    """An entry is written by its name, so a new linked schedule may not take a name its link's
    scheduler already has (or another item of the same batch): it would overwrite that entry."""
    taken: dict[tuple[str, str], set[str]] = {}
    for schedule in schedules:
        assert schedule.link_id is not None
        key = (schedule.workspace_id, schedule.link_id)
        if key not in taken:
            taken[key] = {entry_name(s) for s in store.linked_schedules(*key) if s.linked}
        name = entry_name(schedule)
        if name in taken[key]:
            raise Conflict(f"the scheduler of link {schedule.link_id} already has an entry named {name!r}; "
                           "a linked schedule's name is its entry's name there: choose another")
        taken[key].add(name)


def write_through(
    store: Store, settings: Settings, change: Callable[[Schedule], Schedule]
) -> Callable[[Schedule], Schedule]:
    """Wrap a schedule change so that a linked schedule's new state is written to its scheduler.

    The write is an upsert by entry name, so the store retrying the change repeats it harmlessly.
    """

    def changed(current: Schedule) -> Schedule:
        updated = change(current)
        if not current.linked or updated is current:
            return updated
        _reject_read_only_entry(current)
        updated, link_id = _writable_link(store, updated, current.link_id)
        link = store.get_link(current.workspace_id, link_id)
        entry = entry_of(updated)
        write_entries(link, source_policy(settings), [entry], [], {entry.name: updated.next_run_at}, utcnow())
        return updated

    return changed


def delete_linked(store: Store, settings: Settings, schedule: Schedule) -> None:
    """Delete the scheduler's entry of a linked schedule where its store may be written.

    A read-only source keeps its entry (Kairos cannot remove it): only Kairos's copy goes, and
    the next import brings it back.
    """
    if not schedule.linked or schedule.link_id is None:
        return
    link = store.get_link(schedule.workspace_id, schedule.link_id)
    if link.read_only_reason() is None:
        write_entries(link, source_policy(settings), [], [entry_name(schedule)], {}, utcnow())


def bind_executor(store: Store, workspace_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A `task` payload with `executor: celery` names its link: the one sent, or the only one."""
    if payload.get("executor") != "celery":
        return payload
    try:
        link = resolve_link(store, workspace_id, payload.get("link_id"), "celery-beat")
    except InvalidInput as exc:
        raise InvalidInput(errors=[FieldError(("executor",) if payload.get("link_id") is None else ("link_id",),
                                              e.msg) for e in exc.errors]) from None
    if not link.broker_url and link.publisher != "beat":
        raise InvalidInput.field("link_id", f"link {link.name!r} has no broker_url to send tasks to")
    return {**payload, "link_id": link.id}


def with_executor(store: Store, schedule: Schedule) -> Schedule:
    bound = bind_executor(store, schedule.workspace_id, schedule.payload)
    return schedule if bound is schedule.payload else dataclasses.replace(schedule, payload=bound)
