"""The sync of Kairos's copies with a linked scheduler, once: the canonical routes and dialects call it.

`diff` reads the scheduler and writes nothing. `import_` adds and updates Kairos's copies;
`resync` makes one side match the other. Every applied change gets its own audit entry
(besides the request's own), naming the schedule or the scheduler entry it changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request

from kairos.api.audit import audit_entry
from kairos.api.deps import Access
from kairos.api.link_lookup import resolve_link, source_policy
from kairos.api.schemas.links import DiffResponse, ResyncRequest, SyncRequest, SyncResponse
from kairos.domain.external import Diff, diff, entry_view
from kairos.domain.links import SchedulerLink
from kairos.exceptions import Conflict
from kairos.integrations.sources import read_entries, write_entries
from kairos.integrations.sync import into_kairos, into_scheduler
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.base import Store
from kairos.store.links import SyncWrite
from kairos.timeutil import isoformat_z, utcnow


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return isoformat_z(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def diff_body(link: SchedulerLink, found: Diff) -> dict[str, Any]:
    """The diff as SPEC 8 shows it: added, removed, changed (each field before and after)."""
    added = [{"name": e.name, "schedule_id": None, **_plain(entry_view(e))} for e in found.added]
    removed = [{"name": str(s.external.get("entry") or s.name), "schedule_id": s.id} for s in found.removed]
    changed = [{"name": c.name, "schedule_id": c.schedule.id, "before": _plain(c.before), "after": _plain(c.after)}
               for c in found.changed]
    read_only = [{"name": e.name, "reason": e.read_only_reason}
                 for e in [*found.added, *(c.entry for c in found.changed)] if e.read_only_reason]
    return {"link_id": link.id, "added": added, "removed": removed, "changed": changed,
            "unchanged": found.unchanged, "read_only": read_only}


def _compare(link: SchedulerLink, store: Store, settings: Settings) -> Diff:
    entries = read_entries(link, source_policy(settings))
    return diff(store.linked_schedules(link.workspace_id, link.id), entries)


def _audit(store: Store, access: Access, request: Request, action: str, resource_type: str,
           ids: list[str]) -> None:
    ip = request.client.host if request.client else None
    for resource_id in ids:
        store.add_audit_entry(audit_entry(access.workspace.id, access.caller, action=action,
                                          resource_type=resource_type, resource_id=resource_id[:200],
                                          ip=ip, status=200))


def _apply_to_kairos(store: Store, access: Access, request: Request, link: SchedulerLink,
                     write: SyncWrite) -> None:
    store.apply_sync(link.workspace_id, link.id, write)
    _audit(store, access, request, "schedule.sync.create", "schedule", [s.id for s in write.add])
    _audit(store, access, request, "schedule.sync.update", "schedule", [s.id for s in write.replace])
    _audit(store, access, request, "schedule.sync.delete", "schedule", list(write.delete))


def diff_schedules(body: SyncRequest, access: Access, store: Store, settings: Settings) -> DiffResponse:
    link = resolve_link(store, access.workspace.id, body.link_id)
    return DiffResponse.model_validate(diff_body(link, _compare(link, store, settings)))


def import_schedules(body: SyncRequest, request: Request, access: Access, store: Store,
                     settings: Settings, runtime: Runtime) -> SyncResponse:
    link = resolve_link(store, access.workspace.id, body.link_id)
    found = _compare(link, store, settings)
    now = utcnow()
    write = into_kairos(found, link, now, runtime.kinds.rulebook, delete_removed=False)
    _apply_to_kairos(store, access, request, link, write)
    store.note_link(link.id, now=now, synced=True)
    runtime.schedule_changed()
    answer = diff_body(link, found)
    answer["removed"] = []  # import keeps copies the scheduler no longer has; resync removes them
    return SyncResponse.model_validate({**answer, "direction": "from_scheduler", "applied": True})


def resync_schedules(body: ResyncRequest, request: Request, access: Access, store: Store,
                     settings: Settings, runtime: Runtime) -> SyncResponse:
    link = resolve_link(store, access.workspace.id, body.link_id)
    found = _compare(link, store, settings)
    now = utcnow()
    if body.direction == "from_scheduler":
        write = into_kairos(found, link, now, runtime.kinds.rulebook, delete_removed=True)
        _apply_to_kairos(store, access, request, link, write)
    elif link.read_only_reason() is not None:
        raise Conflict(str(link.read_only_reason()))
    elif not found.empty:
        plan = into_scheduler(found)
        write_entries(link, source_policy(settings), plan.upsert, plan.delete, plan.next_runs, now)
        _audit(store, access, request, "scheduler_link.entry.write", "scheduler_entry",
               [f"{link.id}:{e.name}" for e in plan.upsert])
        _audit(store, access, request, "scheduler_link.entry.delete", "scheduler_entry",
               [f"{link.id}:{name}" for name in plan.delete])
    store.note_link(link.id, now=now, synced=True)
    runtime.schedule_changed()
    return SyncResponse.model_validate({**diff_body(link, found), "direction": body.direction, "applied": True})
