"""APScheduler's runs, seen from outside: a job whose `next_run_time` moved on has run.

APScheduler reports nothing to anyone; what its job table shows is the next run of each job.
When that time moves past the one Kairos last saw, the job ran at the time Kairos last saw (once:
a job that ran several times between two looks is one recorded fire, as APScheduler coalesces
by default). Its outcome is not known, and the fire's job says so.
"""

from __future__ import annotations

from datetime import UTC, datetime

from kairos.domain.external import entry_name
from kairos.domain.links import SchedulerLink
from kairos.ids import new_id
from kairos.integrations.sources import SourcePolicy, read_entries
from kairos.store.base import Store

UNKNOWN = ("APScheduler ran this job (its next_run_time moved on); APScheduler does not report "
           "outcomes, so whether it succeeded is not known")


def record_runs(store: Store, link: SchedulerLink, policy: SourcePolicy, now: datetime) -> int:
    """Compare the job table with what Kairos last saw; record a fire for each job that moved on."""
    seen = {entry.name: entry.ref.get("next_run_time") for entry in read_entries(link, policy)}
    recorded = 0
    for schedule in store.linked_schedules(link.workspace_id, link.id):
        ref = dict(schedule.external.get("ref") or {})
        before, after = ref.get("next_run_time"), seen.get(entry_name(schedule))
        if after == before or entry_name(schedule) not in seen:
            continue
        external = {**schedule.external, "ref": {**ref, "next_run_time": after}}
        if isinstance(before, int | float) and (after is None or (isinstance(after, int | float) and after > before)):
            ran_at = datetime.fromtimestamp(before, UTC)
            if ran_at <= now and store.record_external_run(
                    schedule, job_id=new_id("job"), fire_id=new_id("fire"), scheduled_for=ran_at, now=now,
                    result={"outcome": "unknown", "note": UNKNOWN}, external=external):
                recorded += 1
                continue
        store.note_external_state(schedule.id, external)
    return recorded
