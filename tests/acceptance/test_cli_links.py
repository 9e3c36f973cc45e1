"""`kairos links …` from a shell: link an uploaded beat_schedule, diff it, import it, refuse a write."""

from __future__ import annotations

import json

from tests.acceptance.conftest import KairosProcess
from tests.acceptance.test_cli import as_json, kairos_cli, ok

BEAT = {"name": "uploaded", "type": "celery-beat", "source": {"kind": "json", "beat_schedule": {
    "email.daily-digest": {"task": "email.send_daily_digest", "kwargs": {"locale": "en-US"},
                           "schedule": {"type": "crontab", "minute": "0", "hour": "9", "timezone": "Europe/Berlin"}},
    "lights.on": {"task": "home.lights", "schedule": {"type": "solar", "event": "sunset", "lat": 52.5, "lon": 13.4}},
}}}


def test_link_diff_import_and_a_refused_resync_from_the_terminal(kairos: KairosProcess) -> None:
    created = kairos_cli(kairos, "links", "create", "-f", "-", stdin=json.dumps(BEAT))
    assert "Linked uploaded" in ok(created) and "read-only" in created.stderr
    assert "uploaded" in ok(kairos_cli(kairos, "links", "list"))
    diff = ok(kairos_cli(kairos, "links", "diff"))
    assert "email.daily-digest" in diff and "0 9 * * *" in diff and "lights.on" in diff
    imported = as_json(kairos_cli(kairos, "links", "import", "--json"))
    assert sorted(a["name"] for a in imported["added"]) == ["email.daily-digest", "lights.on"]
    assert "In sync (2 unchanged)" in ok(kairos_cli(kairos, "links", "diff"))
    refused = kairos_cli(kairos, "links", "resync", "to_scheduler")
    assert refused.returncode == 1 and "read-only" in refused.stderr + refused.stdout
    listed = as_json(kairos_cli(kairos, "schedules", "list", "--json"))
    assert {s["scheduler"] for s in listed["items"]} == {"celery-beat"}
