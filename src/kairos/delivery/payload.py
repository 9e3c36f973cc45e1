"""The body of a webhook (SPEC 5) and the summary a Slack message is written from.

Both are built once, when the job ends, and stored with the delivery: every retry sends the same
bytes under the same `webhook-id`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kairos.timeutil import isoformat_z

MAX_RESULTS = 1000
# A Slack message shows this many of the added items; the body carries all of them (up to MAX_RESULTS).
SUMMARY_ITEMS = 5


def build_body(
    *, job_id: str, schedule_id: str, workspace_id: str, status: str, items: list[Any],
    has_changes: bool, content_hash: str | None, completed_at: datetime,
    metadata: dict[str, Any], error_message: str | None,
) -> str:
    """The JSON text POSTed to a standard receiver."""
    body = {
        "event": "job.completed" if status == "completed" else "job.failed",
        "job_id": job_id,
        "schedule_id": schedule_id,
        "workspace_id": workspace_id,
        "status": status,
        "results": items[:MAX_RESULTS],
        "results_truncated": len(items) > MAX_RESULTS,
        "item_count": len(items),
        "has_changes": has_changes,
        "content_hash": content_hash,
        "completed_at": isoformat_z(completed_at),
        "error_message": error_message,
        "metadata": metadata,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)


def build_summary(*, schedule_name: str, added: list[Any], removed_count: int) -> dict[str, Any]:
    """What a Slack message adds to the body: a name and a glimpse of what changed."""
    return {
        "schedule_name": schedule_name,
        "added_count": len(added),
        "removed_count": removed_count,
        "added": added[:SUMMARY_ITEMS],
    }
