"""Linking a django-celery-beat table: Kairos's import and diff beside django-celery-beat's own load.

The table is made by Django's migrations and filled with N periodic tasks (crontab and interval);
Kairos reads it with SQL, diffs it against its copies and imports it into SQLite (one transaction),
then diffs again (nothing changed). The peer is `DatabaseScheduler.all_as_schedule()`, what a
`celery beat -S django_celery_beat.schedulers:DatabaseScheduler` does to load the same table.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.databases import Databases
from bench.report import ratio, table
from bench.sizes import Sizes
from kairos.domain.external import diff
from kairos.domain.links import build_link
from kairos.integrations.sources import SourcePolicy, read_entries
from kairos.integrations.sync import into_kairos
from kairos.kinds.catalog import KINDS
from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow

DJBEAT = Path(__file__).parent.parent / "tests" / "celery_project" / "djbeat.py"


def _djbeat(db: Path, command: str) -> str:
    return subprocess.run([sys.executable, str(DJBEAT), command], capture_output=True, text=True, check=True,
                          env={**os.environ, "KAIROS_TEST_DJANGO_DB": str(db)}, timeout=600).stdout


def _fill(db: Path, count: int) -> None:
    with sqlite3.connect(db) as conn:
        crontabs = [conn.execute("INSERT INTO django_celery_beat_crontabschedule (minute, hour, day_of_week, "
                                 "day_of_month, month_of_year, timezone) VALUES (?, ?, '*', '*', '*', 'UTC')",
                                 (str(m % 60), str(m % 24))).lastrowid for m in range(50)]
        interval = conn.execute("INSERT INTO django_celery_beat_intervalschedule (every, period) "
                                "VALUES (30, 'seconds')").lastrowid
        conn.executemany(
            "INSERT INTO django_celery_beat_periodictask (name, task, crontab_id, interval_id, args, kwargs, "
            "headers, one_off, enabled, total_run_count, date_changed, description) "
            "VALUES (?, 'proj.tasks.add', ?, ?, '[1, 2]', '{}', '{}', 0, 1, 0, '2026-01-01 00:00:00', '')",
            [(f"bench.{i}", crontabs[i % 50] if i % 2 else None, None if i % 2 else interval)
             for i in range(count)])


def links_import(sizes: Sizes, dbs: Databases) -> None:
    count = 10_000 if sizes.scale_schedules >= 1_000_000 else 2_000
    with tempfile.TemporaryDirectory() as tmp:
        beat_db, kairos_db = Path(tmp) / "beat.db", Path(tmp) / "kairos.db"
        _djbeat(beat_db, "setup")
        with sqlite3.connect(beat_db) as conn:
            conn.execute("DELETE FROM django_celery_beat_periodictask")
        _fill(beat_db, count)
        upgrade(f"sqlite:///{kairos_db}")
        store = SqlStore(f"sqlite:///{kairos_db}")
        ws = store.ensure_workspace("default", "Default", utcnow())
        link = build_link({"name": "bench", "type": "celery-beat",
                           "source": {"kind": "django-celery-beat", "database_url": f"sqlite:///{beat_db}"}},
                          link_id="link_bench", workspace_id=ws.id, now=utcnow())
        store.add_link(link)
        policy = SourcePolicy(allow_private_networks=True)

        started = time.perf_counter()
        entries = read_entries(link, policy)
        read_s = time.perf_counter() - started
        found = diff(store.linked_schedules(ws.id, link.id), entries)
        store.apply_sync(ws.id, link.id, into_kairos(found, link, utcnow(), KINDS.rulebook, delete_removed=False))
        import_s = time.perf_counter() - started

        started = time.perf_counter()
        again = diff(store.linked_schedules(ws.id, link.id), read_entries(link, policy))
        diff_s = time.perf_counter() - started
        store.close()
        peer = json.loads(_djbeat(beat_db, "load").strip().splitlines()[-1])
    assert len(entries) == count and len(found.added) == count and again.empty
    table(f"Linking a django-celery-beat table of {count:,} periodic tasks (SQLite)",
          ["step", "Kairos", "django-celery-beat DatabaseScheduler load", "Kairos / peer"],
          [["read the table", f"{read_s:.2f} s", f"{peer['seconds']:.2f} s", ratio(read_s, peer["seconds"])],
           ["read + diff + import (one transaction)", f"{import_s:.2f} s", "-", "-"],
           ["diff after import (no change)", f"{diff_s:.2f} s", "-", "-"]],
          notes=["the peer builds Celery schedule entries from the same rows in its own process (Django ORM)",
                 "wall-clock figures on a shared, loaded machine: compare the ratio, not the seconds"])
