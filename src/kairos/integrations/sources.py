"""A link's schedule store, whatever it is: read its entries, write them where it may be written.

One place knows which module reads which source kind, and checks the addresses a link makes
Kairos connect to against the private-network guard (SPEC 7, `guard.py`) before any connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from kairos.domain.external import ExternalEntry
from kairos.domain.links import SchedulerLink
from kairos.exceptions import Conflict, InvalidInput, LinkUnavailable
from kairos.integrations.apscheduler.v3 import JobStoreTable
from kairos.integrations.apscheduler.v4 import DataStoreTables
from kairos.integrations.celery.app_source import read_app
from kairos.integrations.celery.django_beat import DjangoBeatTables
from kairos.integrations.celery.redbeat import RedbeatKeys
from kairos.integrations.celery.shapes import EntryError, entries_from_beat_schedule
from kairos.integrations.guard import SourcePolicy, check_urls

__all__ = ["SourcePolicy", "check_addresses", "read_entries", "write_entries"]


def _sqlalchemy_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def check_addresses(link: SchedulerLink, policy: SourcePolicy) -> None:
    """Refuse a link whose URLs resolve to addresses user input may not reach (400 naming the field)."""
    if link.source_kind == "app" and not policy.allow_app_imports:
        raise InvalidInput.field(("source", "kind"), "importing a Celery app runs code on the Kairos "
                                 "host; the operator must allow it with KAIROS_LINK_APP_IMPORTS")
    check_urls(link, policy)


def _engine(link: SchedulerLink) -> sa.Engine:
    """An engine on the link's database; LinkUnavailable when SQLAlchemy cannot make one (an
    unknown dialect or driver, a driver not installed), as when it cannot connect."""
    try:
        return sa.create_engine(_sqlalchemy_url(str(link.source["database_url"])), poolclass=sa.pool.NullPool)
    except Exception as exc:  # NoSuchModuleError, ArgumentError, ImportError of a missing driver
        raise LinkUnavailable(f"cannot open source.database_url: {exc.__class__.__name__}: {exc}") from None


def read_entries(link: SchedulerLink, policy: SourcePolicy) -> list[ExternalEntry]:
    """Every entry of the link's store, read fresh. LinkUnavailable when it cannot be read."""
    check_addresses(link, policy)
    kind = link.source_kind
    if kind == "json":
        try:
            return entries_from_beat_schedule(link.source.get("beat_schedule") or {})
        except EntryError as exc:
            raise InvalidInput.field(("source", "beat_schedule", *exc.loc), exc.message) from None
    if kind == "app":
        return read_app(link.source)
    if kind == "redbeat":
        keys = RedbeatKeys(str(link.source["redis_url"]), str(link.source.get("key_prefix") or "redbeat:"),
                           str(link.source.get("timezone") or "UTC"))
        try:
            return keys.read()
        finally:
            keys.close()
    engine = _engine(link)
    try:
        if kind == "django-celery-beat":
            return DjangoBeatTables(engine).read()
        if kind == "sqlalchemy" and link.source.get("version", 3) == 3:
            return JobStoreTable(engine, str(link.source.get("tablename") or "apscheduler_jobs")).read()
        if kind == "sqlalchemy" and link.source.get("version") == 4:
            return DataStoreTables(engine, link.source.get("schema")).read()
    finally:
        engine.dispose()
    raise LinkUnavailable(f"Kairos cannot read a {kind} source (version {link.source.get('version')})")


def write_entries(link: SchedulerLink, policy: SourcePolicy, upsert: Sequence[ExternalEntry],
                  delete: Sequence[str], next_runs: dict[str, datetime | None], now: datetime) -> None:
    """Write entries to the link's store by name, and delete others; 409 where it is read-only."""
    reason = link.read_only_reason()
    if reason is not None:
        raise Conflict(reason)
    refused = [e.name for e in upsert if e.read_only_reason]
    if refused:
        raise Conflict(f"{', '.join(refused)}: read-only in Kairos (" +
                       "; ".join(e.read_only_reason or "" for e in upsert if e.read_only_reason) + ")")
    check_addresses(link, policy)
    try:
        if link.source_kind == "redbeat":
            keys = RedbeatKeys(str(link.source["redis_url"]), str(link.source.get("key_prefix") or "redbeat:"),
                               str(link.source.get("timezone") or "UTC"))
            try:
                keys.write([(e, next_runs.get(e.name)) for e in upsert], delete, now)
            finally:
                keys.close()
            return
        engine = _engine(link)
        try:
            DjangoBeatTables(engine).write(upsert, delete, now)
        finally:
            engine.dispose()
    except EntryError as exc:
        raise Conflict(f"cannot write {exc.loc[0]} to {link.source_kind}: {exc.message}") from None
