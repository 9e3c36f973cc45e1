"""The `kairos schedules …` and `kairos jobs …` commands, run as real processes against `kairos serve`."""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Any

from tests.acceptance.conftest import API_KEY, KAIROS, KairosProcess, free_port, wait_for

ID = re.compile(r"\b(?:sched|job)_[0-9a-f-]{36}\b")


def kairos_cli(server: KairosProcess | str, *args: str, stdin: str | None = None,
               **env: str) -> subprocess.CompletedProcess[str]:
    """Run `kairos ARGS…` pointed at `server` (a process or a URL), as a user would from a shell."""
    url = server if isinstance(server, str) else server.base_url
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KAIROS_")}
    environ.update({"KAIROS_URL": url, "KAIROS_API_KEY": API_KEY, "COLUMNS": "200"}, **env)
    return subprocess.run([KAIROS, *args], env=environ, input=stdin, capture_output=True,
                          text=True, timeout=30)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(result))


def created_id(result: subprocess.CompletedProcess[str]) -> str:
    match = ID.search(ok(result))
    assert match, result.stdout
    return match.group(0)


def test_a_created_schedule_is_listed_shown_and_filtered(kairos: KairosProcess) -> None:
    cron_id = created_id(kairos_cli(
        kairos, "schedules", "create", "--name", "weekday report", "--cron", "0 9 * * MON-FRI",
        "--timezone", "Europe/Berlin", "--task", "kairos.echo", "--kwargs", '{"to": "team"}'))
    body = json.dumps({"name": "hourly ping", "interval_seconds": 3600, "task": "kairos.echo"})
    interval_id = as_json(kairos_cli(kairos, "schedules", "create", "--file", "-", "--json",
                                     stdin=body))["id"]

    listing = ok(kairos_cli(kairos, "schedules", "list"))
    assert cron_id in listing and interval_id in listing
    assert "weekday report" in listing and "At 09:00, Monday through Friday" in listing

    only_interval = ok(kairos_cli(kairos, "schedules", "list", "--type", "interval"))
    assert interval_id in only_interval and cron_id not in only_interval

    # Pages of one, joined by --all; --json before the subcommand works as well as after it.
    every = as_json(kairos_cli(kairos, "schedules", "--json", "list", "--limit", "1", "--all"))
    assert {item["id"] for item in every["items"]} == {cron_id, interval_id}

    shown = ok(kairos_cli(kairos, "schedules", "get", cron_id))
    assert "cron 0 9 * * MON-FRI in Europe/Berlin" in shown
    assert "kairos.echo" in shown and "No fires yet." in shown
    detail = as_json(kairos_cli(kairos, "schedules", "get", cron_id, "--json"))
    assert detail["kwargs"] == {"to": "team"} and detail["recent_fires"] == []


def test_preview_gives_the_description_and_times_in_utc_and_local(kairos: KairosProcess) -> None:
    # Summer time starts in Berlin on Sunday 29 March 2026: 09:00 local moves from 08:00 to 07:00 UTC.
    out = ok(kairos_cli(kairos, "schedules", "preview", "--cron", "0 9 * * MON-FRI",
                        "--timezone", "Europe/Berlin", "--count", "2",
                        "--after", "2026-03-27T00:00:00Z"))
    assert "At 09:00, Monday through Friday" in out
    assert re.search(r"2026-03-27 08:00:00 UTC\s*│\s*2026-03-27 09:00:00 CET", out), out
    assert re.search(r"2026-03-30 07:00:00 UTC\s*│\s*2026-03-30 09:00:00 CEST", out), out

    schedule_id = created_id(kairos_cli(kairos, "schedules", "create", "--name", "every 90s",
                                        "--interval", "90s", "--task", "kairos.echo"))
    saved = as_json(kairos_cli(kairos, "schedules", "preview", schedule_id, "--count", "3",
                               "--json"))
    assert saved["description"].startswith("Every 90 seconds") and len(saved["items"]) == 3
    assert "Every 90 seconds" in ok(kairos_cli(kairos, "schedules", "preview", schedule_id))


def test_trigger_follow_shows_progress_and_ends_completed(kairos: KairosProcess) -> None:
    schedule_id = created_id(kairos_cli(
        kairos, "schedules", "create", "--name", "nap", "--cron", "0 0 1 1 *",
        "--task", "kairos.sleep", "--kwargs", '{"seconds": 2}'))

    result = kairos_cli(kairos, "schedules", "trigger", schedule_id, "--follow")

    assert re.search(r"Job job_\S+ completed in \d", ok(result)), result.stdout
    # The worker saves progress each second, so at least one running state is seen while polling.
    assert re.search(r"running [0-2]/2 \(\d+%\) sleeping", result.stderr), result.stderr
    fires = ok(kairos_cli(kairos, "schedules", "fires", schedule_id))
    assert "succeeded" in fires and "manual" in fires
    jobs = as_json(kairos_cli(kairos, "jobs", "list", "--schedule", schedule_id, "--json"))
    assert [job["status"] for job in jobs["items"]] == ["completed"]


def test_a_job_outcome_is_the_exit_code(kairos: KairosProcess) -> None:
    job = as_json(kairos_cli(kairos, "jobs", "create", "--task", "kairos.sleep",
                             "--kwargs", '{"seconds": 30}', "--json"))
    with kairos.client() as client:
        wait_for(lambda: client.get(f"/jobs/{job['id']}").json()["status"] == "running",
                 what="the job to start")

    assert "cancelled" in ok(kairos_cli(kairos, "jobs", "cancel", job["id"]))

    assert as_json(kairos_cli(kairos, "jobs", "get", job["id"], "--json"))["status"] == "cancelled"
    followed = kairos_cli(kairos, "jobs", "follow", job["id"])
    assert followed.returncode == 1 and "cancelled" in followed.stdout
    again = kairos_cli(kairos, "jobs", "cancel", job["id"])
    assert again.returncode == 1 and "has already finished" in again.stderr

    failed = kairos_cli(kairos, "jobs", "create", "--task", "kairos.fail",
                        "--kwargs", '{"message": "boom"}', "--follow")
    assert failed.returncode == 1, failed.stderr
    assert "failed" in failed.stdout and "boom" in failed.stdout

    echoed = as_json(kairos_cli(kairos, "jobs", "create", "--task", "kairos.echo",
                                "--args", "[1, 2]", "--follow", "--json"))
    assert echoed["status"] == "completed"
    assert echoed["result"] == {"args": [1, 2], "kwargs": {}}
    csv = ok(kairos_cli(kairos, "jobs", "results", echoed["id"], "--format", "csv"))
    assert csv.splitlines() == ["args,kwargs", '"[1, 2]",{}']


def test_schedule_lifecycle_from_the_terminal(kairos: KairosProcess) -> None:
    schedule_id = created_id(kairos_cli(kairos, "schedules", "create", "--name", "tidy",
                                        "--interval", "1h", "--task", "kairos.echo"))

    paused = as_json(kairos_cli(kairos, "schedules", "pause", schedule_id, "--json"))
    assert (paused["status"], paused["enabled"]) == ("paused", True)
    assert "active" in ok(kairos_cli(kairos, "schedules", "resume", schedule_id))
    assert "disabled, next run none" in ok(kairos_cli(kairos, "schedules", "disable", schedule_id))
    assert "enabled, next run 20" in ok(kairos_cli(kairos, "schedules", "enable", schedule_id))
    updated = ok(kairos_cli(kairos, "schedules", "update", schedule_id, "--interval", "2h"))
    assert "Every 2 hours" in updated

    refused = kairos_cli(kairos, "schedules", "delete", schedule_id, stdin="n\n")
    assert refused.returncode == 1 and "'tidy'" in refused.stderr
    kept = as_json(kairos_cli(kairos, "schedules", "get", schedule_id, "--json"))
    assert (kept["status"], kept["enabled"], kept["interval_seconds"]) == ("active", True, 7200)
    ok(kairos_cli(kairos, "schedules", "delete", schedule_id, "--yes"))
    gone = kairos_cli(kairos, "schedules", "get", schedule_id)
    assert gone.returncode == 1 and "not found" in gone.stderr


def test_errors_say_what_is_wrong_and_exit_1(kairos: KairosProcess) -> None:
    bad = kairos_cli(kairos, "schedules", "create", "--name", "typo", "--cron", "0 99 * * *",
                     "--task", "kairos.echo")
    assert bad.returncode == 1
    assert re.search(r"cron_expression: invalid cron expression", bad.stderr), bad.stderr
    assert as_json(kairos_cli(kairos, "schedules", "list", "--json"))["total"] == 0

    no_key = kairos_cli(kairos, "jobs", "list", KAIROS_API_KEY="")
    assert no_key.returncode == 1 and "KAIROS_API_KEY" in no_key.stderr

    nobody = f"http://127.0.0.1:{free_port()}"
    unreachable = kairos_cli(nobody, "schedules", "list")
    assert unreachable.returncode == 1
    assert nobody in unreachable.stderr and "make run" in unreachable.stderr
    assert "Traceback" not in unreachable.stderr
