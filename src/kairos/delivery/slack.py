"""A readable Slack message for a delivery, sent to a `hooks.slack.com` incoming webhook."""

from __future__ import annotations

import json
from typing import Any

MAX_TITLE = 150


def _escape(text: str) -> str:
    """Slack's mrkdwn treats these three as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _item_line(item: Any) -> str:
    if isinstance(item, dict):
        title = next((str(item[k]) for k in ("title", "name", "text") if item.get(k)), None)
        url = next((str(item[k]) for k in ("url", "link", "href") if item.get(k)), None)
    else:
        title, url = str(item), None
    title = _escape((title or url or json.dumps(item, default=str))[:MAX_TITLE])
    if url and url.startswith(("http://", "https://")):
        return f"• <{_escape(url)}|{title}>"
    return f"• {title}"


def slack_message(body: dict[str, Any], summary: dict[str, Any], *, base_url: str | None) -> dict[str, Any]:
    """`{"text": …}`: schedule, status, item count, what was added or removed.

    Links to the job appear only when Kairos knows its public address (`KAIROS_PUBLIC_URL`);
    otherwise the message is link-free rather than pointing at a guessed host.
    """
    name = _escape(str(summary.get("schedule_name") or body.get("schedule_id")))
    status = str(body.get("status"))
    if base_url:
        job_url = f"{base_url.rstrip('/')}/dashboard#/jobs/{body.get('job_id')}"
        name = f"<{_escape(job_url)}|{name}>"
    icon = ":white_check_mark:" if status == "completed" else ":x:"
    lines = [f"{icon} *{name}* {status}: {body.get('item_count', 0)} item(s)"]
    if status != "completed":
        if body.get("error_message"):
            lines.append(f"> {_escape(str(body['error_message'])[:500])}")
    elif not body.get("has_changes"):
        lines.append("No changes since the previous run.")
    else:
        added, removed = int(summary.get("added_count") or 0), int(summary.get("removed_count") or 0)
        lines.append(f"Changes: {added} added, {removed} removed.")
        lines += [_item_line(item) for item in summary.get("added") or []]
        if added > len(summary.get("added") or []):
            lines.append(f"…and {added - len(summary.get('added') or [])} more")
    return {"text": "\n".join(lines)}
