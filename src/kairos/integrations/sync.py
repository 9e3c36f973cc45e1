"""Import, diff and resync: the plan of what changes on which side, from a diff.

`from_scheduler` (and import) make Kairos's copies match the scheduler; `to_scheduler` makes the
scheduler match Kairos's copies. Plans are computed here and applied by the caller in one go:
one store transaction for Kairos, one write for the scheduler's store.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from kairos.domain.definition import Limits, build_schedule
from kairos.domain.external import Diff, ExternalEntry, entry_of, external_fields, schedule_fields
from kairos.domain.links import SchedulerLink
from kairos.domain.payloads import KindRulebook
from kairos.domain.schedules import Schedule
from kairos.ids import new_id
from kairos.store.links import SyncWrite

# A linked schedule is never fired by Kairos, so its scheduler's own limits apply, not Kairos's
# minimum interval.
LINKED_LIMITS = Limits(min_interval_seconds=1, allow_private_networks=True)


def copy_of(entry: ExternalEntry, link: SchedulerLink, now: datetime, kinds: KindRulebook,
            existing: Schedule | None = None) -> Schedule:
    """Kairos's copy of an entry; an existing copy keeps its id and its run history."""
    values = {**schedule_fields(entry, link.type), "link_id": link.id, "external": external_fields(entry)}
    built = build_schedule(values, schedule_id=existing.id if existing else new_id("sched"),
                           workspace_id=link.workspace_id, now=now, limits=LINKED_LIMITS, kinds=kinds)
    if existing is None:
        return built
    return dataclasses.replace(built, created_at=existing.created_at, run_count=existing.run_count,
                               last_run_at=existing.last_run_at, version=existing.version,
                               description=existing.description, webhook_url=existing.webhook_url,
                               webhook_type=existing.webhook_type, webhook_secret=existing.webhook_secret,
                               webhook_metadata=existing.webhook_metadata)


def into_kairos(diff: Diff, link: SchedulerLink, now: datetime, kinds: KindRulebook, *,
                delete_removed: bool) -> SyncWrite:
    """Kairos's side of import (`delete_removed` false) and of resync `from_scheduler`."""
    return SyncWrite(
        add=[copy_of(entry, link, now, kinds) for entry in diff.added],
        replace=[copy_of(change.entry, link, now, kinds, change.schedule) for change in diff.changed],
        delete=[s.id for s in diff.removed] if delete_removed else [],
    )


@dataclass(frozen=True, kw_only=True)
class ScheduleWrite:
    """The scheduler's side of resync `to_scheduler`: entries to save and names to delete."""

    upsert: list[ExternalEntry] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    next_runs: dict[str, datetime | None] = field(default_factory=dict)


def into_scheduler(diff: Diff) -> ScheduleWrite:
    """Kairos's copies written back (changed or gone from the scheduler); entries Kairos lacks deleted."""
    copies = [change.schedule for change in diff.changed] + list(diff.removed)
    return ScheduleWrite(upsert=[entry_of(s) for s in copies], delete=[e.name for e in diff.added],
                         next_runs={entry_of(s).name: s.next_run_at for s in copies})
