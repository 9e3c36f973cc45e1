"""Scheduler links: a workspace's connection to a Celery beat or APScheduler it does not own.

A link says where the external schedule lives (its `source`) and, for Celery, which broker to
publish to and listen on. Pure: validating and changing a link, and masking the passwords its
URLs carry so that no answer ever shows them again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from kairos.domain.payloads import FieldErrors
from kairos.domain.triggers import TriggerError, load_zone
from kairos.exceptions import FieldError
from kairos.timeutil import ensure_aware

LINK_TYPES = ("celery-beat", "apscheduler")
SOURCE_KINDS = {
    "celery-beat": ("django-celery-beat", "redbeat", "app", "json"),
    "apscheduler": ("sqlalchemy",),
}
# Sources whose store is made to be written by someone other than the scheduler: a running beat
# re-reads them. Everything else is read-only, and writing there is a 409 that says so.
WRITABLE_SOURCES = ("django-celery-beat", "redbeat")
PUBLISHERS = ("kairos", "beat")
MASK = "****"
URL_SOURCE_FIELDS = ("database_url", "redis_url")
MAX_BEAT_SCHEDULE_ENTRIES = 10_000
MAX_APP_ENV = 100
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}")


@dataclass(frozen=True, kw_only=True)
class SchedulerLink:
    id: str
    workspace_id: str
    name: str
    type: str
    source: dict[str, Any]
    broker_url: str | None = None
    result_backend: str | None = None
    publisher: str = "kairos"
    created_at: datetime
    updated_at: datetime
    # Written by the event receiver and the sync actions, never by the user.
    last_event_at: datetime | None = None
    last_sync_at: datetime | None = None
    state: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("created_at", "updated_at", "last_event_at", "last_sync_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, ensure_aware(value, name))

    @property
    def source_kind(self) -> str:
        return str(self.source.get("kind"))

    @property
    def writable(self) -> bool:
        return self.source_kind in WRITABLE_SOURCES

    def read_only_reason(self) -> str | None:
        """Why Kairos may not write this link's schedule store (None when it may)."""
        if self.writable:
            return None
        what = {
            "app": "a Celery app's beat_schedule is code: change it in the app",
            "json": "an uploaded beat_schedule is a copy: upload a new one to change it",
            "sqlalchemy": "an APScheduler job store holds pickled jobs that only APScheduler may write"
            if self.source.get("version", 3) == 3 else
            "an APScheduler 4 data store holds serialized schedules that only APScheduler may write",
        }.get(self.source_kind, "this source is read-only")
        return f"link {self.name!r} ({self.source_kind}) is read-only: {what}"


def celery_owner(link_id: str) -> str:
    """The pseudo-worker holding the jobs a link's Celery fleet runs: Kairos's workers never claim them."""
    return f"celery:{link_id}"


def celery_task_id(job_id: str, attempt: int) -> str:
    """The Celery task id of one attempt of a job: the job's id for the first, `<job id>.<n>` after.

    A retry is a new message, so it needs an id of its own: under the first attempt's id the result
    backend still says FAILURE (which would end the retry while it runs), and a late copy of the
    first attempt would be taken for the second.
    """
    return job_id if attempt <= 1 else f"{job_id}.{attempt}"


def beat_queue(link_id: str) -> str:
    """Who holds a job of a `publisher: beat` link until a beat claims it."""
    return f"beat-queue:{link_id}"


# The jobs table's `lease_owner` holds this many characters.
OWNER_LENGTH = 100


def beat_owner(link_id: str, beat: str) -> str:
    """A beat's claim on a job it is about to publish (its lease expires if the beat dies).

    A name too long for the column keeps its start and ends in a hash of the whole: cut short,
    two beats whose names share a long prefix would be one owner, each taking the other's claims.
    """
    owner = f"beat:{link_id}:{beat}"
    if len(owner) <= OWNER_LENGTH:
        return owner
    digest = hashlib.sha256(beat.encode()).hexdigest()[:16]
    return f"{owner[:OWNER_LENGTH - len(digest) - 1]}~{digest}"


def _add(errors: FieldErrors, loc: str, msg: str) -> None:
    """`source.redis_url` is the field ("source", "redis_url") of the body."""
    errors.items.append(FieldError(tuple(loc.split(".")), msg))


# Query parameters that carry a secret (libpq's `password`, and the names clients give keys).
SECRET_QUERY_KEYS = frozenset({"password", "passwd", "pwd", "secret", "token", "api_key", "access_key",
                               "secret_key", "sslpassword"})
# Environment variables given to a Celery app's import whose value is shown as ****.
SECRET_ENV_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH")


def _is_secret_env(name: str) -> bool:
    return any(word in name.upper() for word in SECRET_ENV_WORDS)


def mask_url(url: str | None) -> str | None:
    """The URL with its password (in the address or the query) replaced by ****, so it can be
    shown without the secret."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if password is not None:
        user = parts.username or ""
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        parts = parts._replace(netloc=f"{user}:{MASK}@{host}")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if any(key.lower() in SECRET_QUERY_KEYS for key, _ in pairs):
        parts = parts._replace(query=urlencode(
            [(key, MASK if key.lower() in SECRET_QUERY_KEYS else value) for key, value in pairs], safe="*"))
    return urlunsplit(parts)


def _masked_env_value(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return MASK if _is_secret_env(name) else mask_url(value)


def masked_source(source: Mapping[str, Any]) -> dict[str, Any]:
    shown = {k: (mask_url(v) if k in URL_SOURCE_FIELDS and isinstance(v, str) else v) for k, v in source.items()}
    if isinstance(source.get("env"), dict):
        shown["env"] = {name: _masked_env_value(name, value) for name, value in source["env"].items()}
    return shown


# Query parameters that make a client connect elsewhere than the URL's host (libpq's host and
# hostaddr, redis-py's and kombu's host names), read a file on the Kairos host (libpq's passfile,
# service files and TLS files, redis-py's TLS files), or load code (SQLAlchemy's plugin): the
# private-network guard checks the URL's host, so none of them may be set.
UNSAFE_QUERY_KEYS = frozenset({
    "host", "hostaddr", "hostname", "unix_socket_path", "passfile", "service", "servicefile",
    "sslkey", "sslcert", "sslrootcert", "sslcrl", "sslcrldir", "sslpassword", "ssl_keyfile",
    "ssl_certfile", "ssl_ca_certs", "ssl_ca_path", "plugin",
})


def unsafe_query_keys(url: str) -> list[str]:
    """The query parameters of `url` a link may not set (UNSAFE_QUERY_KEYS), sorted."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return []
    return sorted({key.lower() for key, _ in parse_qsl(query, keep_blank_values=True)} & UNSAFE_QUERY_KEYS)


def _url(value: Any, loc: str, schemes: tuple[str, ...], errors: FieldErrors) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > 2000:
        _add(errors, loc, "must be a URL of at most 2000 characters")
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        _add(errors, loc, f"not a valid URL: {exc}")
        return None
    # The whole scheme, driver included: `postgresql+anything` would make SQLAlchemy import a
    # module a user named, and `redis+socket` would reach a local socket.
    if parts.scheme not in schemes:
        _add(errors, loc, "the scheme must be one of " + ", ".join(f"{s}://" for s in schemes))
        return None
    unsafe = unsafe_query_keys(value)
    if unsafe:
        _add(errors, loc, "may not set " + ", ".join(unsafe) + " in its query: put the host in the URL "
                          "itself (these name another host, a local file or code to load)")
        return None
    return value


BROKER_SCHEMES = ("redis", "rediss", "amqp", "amqps", "pyamqp")
# `postgres://` is the alias many hosts hand out; Kairos reads it as postgresql+psycopg.
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg", "postgres")


def _check_source(link_type: str, source: Any, errors: FieldErrors) -> dict[str, Any]:
    if not isinstance(source, dict):
        _add(errors, "source", "must be an object with a `kind`")
        return {}
    kind = source.get("kind")
    kinds = SOURCE_KINDS.get(link_type, ())
    if kind not in kinds:
        _add(errors, "source.kind", f"for type {link_type} must be one of " + ", ".join(kinds))
        return {}
    allowed = {
        "django-celery-beat": {"kind", "database_url"},
        "redbeat": {"kind", "redis_url", "key_prefix", "timezone"},
        "app": {"kind", "app", "python", "cwd", "timeout_seconds", "env"},
        "json": {"kind", "beat_schedule"},
        "sqlalchemy": {"kind", "database_url", "tablename", "version", "schema"},
    }[kind]
    unknown = sorted(set(source) - allowed)
    if unknown:
        _add(errors, "source", f"unknown field(s) for {kind}: " + ", ".join(unknown))
    clean: dict[str, Any] = {"kind": kind}
    if kind in ("django-celery-beat", "sqlalchemy"):
        clean["database_url"] = _url(source.get("database_url"), "source.database_url",
                                     DATABASE_SCHEMES, errors)
        if source.get("database_url") is None:
            _add(errors, "source.database_url", f"is required for {kind}")
    if kind == "sqlalchemy":
        version = source.get("version", 3)
        if version not in (3, 4) or isinstance(version, bool):
            _add(errors, "source.version", "must be 3 (APScheduler 3.x SQLAlchemyJobStore) or 4 "
                                            "(APScheduler 4.x SQLAlchemyDataStore)")
        clean["version"] = version
        if version == 4:
            # 4.x names its tables itself (schedules, tasks, ...); only their schema can be chosen.
            if "tablename" in source:
                _add(errors, "source.tablename", "APScheduler 4 data stores have fixed table names; "
                                                  "use `schema` to read them from another schema")
            schema = source.get("schema")
            if schema is not None and (not isinstance(schema, str) or not 0 < len(schema) <= 200
                                       or not schema.replace("_", "").isalnum()):
                _add(errors, "source.schema", "must be a schema name (letters, digits and _)")
            if schema is not None:
                clean["schema"] = schema
        else:
            if "schema" in source:
                _add(errors, "source.schema", "is for version 4; a 3.x table in a schema is "
                                               "`tablename: \"schema.table\"`")
            tablename = source.get("tablename", "apscheduler_jobs")
            if not isinstance(tablename, str) or len(tablename) > 200 or (
                    tablename and not tablename.replace("_", "").replace(".", "").isalnum()):
                _add(errors, "source.tablename", "must be a table name (letters, digits, _ and .)")
            clean["tablename"] = tablename
    elif kind == "redbeat":
        clean["redis_url"] = _url(source.get("redis_url"), "source.redis_url",
                                  ("redis", "rediss"), errors)
        if source.get("redis_url") is None:
            _add(errors, "source.redis_url", "is required for redbeat")
        prefix = source.get("key_prefix", "redbeat:")
        if not isinstance(prefix, str) or not 1 <= len(prefix) <= 200:
            _add(errors, "source.key_prefix", "must be 1-200 characters")
        clean["key_prefix"] = prefix
        # redbeat stores crontabs without a zone: they run in the app's `timezone`.
        zone = source.get("timezone", "UTC")
        if not isinstance(zone, str) or not _known_zone(zone):
            _add(errors, "source.timezone", f"unknown time zone {zone!r}")
        clean["timezone"] = zone
    elif kind == "app":
        app = source.get("app")
        module, _, attribute = (app or "").partition(":") if isinstance(app, str) else ("", "", "")
        if not module or not all(part.isidentifier() for part in module.split(".") + attribute.split(".")
                                 if part) or len(app or "") > 300:
            _add(errors, "source.app", "must name a Celery app as 'package.module:attribute'")
        clean["app"] = app
        for name in ("python", "cwd"):
            value = source.get(name)
            if value is not None and (not isinstance(value, str) or not value.startswith("/")):
                _add(errors, f"source.{name}", "must be an absolute path")
            clean[name] = value
        timeout = source.get("timeout_seconds", 20)
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 120:
            _add(errors, "source.timeout_seconds", "must be an integer from 1 to 120")
        clean["timeout_seconds"] = timeout
        # The import sees only a minimal environment (PATH, HOME, the locale) and this: never
        # Kairos's own (its database URL, its secret key).
        env = source.get("env", {})
        if not isinstance(env, dict) or len(env) > MAX_APP_ENV or not all(
                isinstance(k, str) and _ENV_NAME.fullmatch(k) and isinstance(v, str) and len(v) <= 4000
                for k, v in env.items()):
            _add(errors, "source.env", f"must be an object of at most {MAX_APP_ENV} environment variables "
                                       "(NAME: string value of at most 4000 characters)")
        clean["env"] = env
    elif kind == "json":
        schedule = source.get("beat_schedule")
        if not isinstance(schedule, dict):
            _add(errors, "source.beat_schedule", "must be an object of entries, as Celery's beat_schedule")
        elif len(schedule) > MAX_BEAT_SCHEDULE_ENTRIES:
            _add(errors, "source.beat_schedule", f"at most {MAX_BEAT_SCHEDULE_ENTRIES} entries")
        clean["beat_schedule"] = schedule
    return clean


def _known_zone(name: str) -> bool:
    try:
        load_zone(name)
    except TriggerError:
        return False
    return True


def _keep_stored(sent: Any, stored: str | None) -> Any:
    """A masked URL sent back unchanged means "keep the one you have" (forms echo what they show)."""
    if isinstance(sent, str) and stored is not None and MASK in sent and sent == mask_url(stored):
        return stored
    return sent


def _check_common(values: Mapping[str, Any], link_type: str, errors: FieldErrors) -> dict[str, Any]:
    name = values.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        _add(errors, "name", "must be 1-200 characters")
    publisher = values.get("publisher") or "kairos"
    if publisher not in PUBLISHERS:
        _add(errors, "publisher", "must be 'kairos' or 'beat'")
    elif publisher == "beat" and link_type != "celery-beat":
        _add(errors, "publisher", "only a celery-beat link can have a beat as its publisher")
    broker = _url(values.get("broker_url"), "broker_url", BROKER_SCHEMES, errors)
    backend = _url(values.get("result_backend"), "result_backend", ("redis", "rediss"), errors)
    if link_type == "apscheduler" and broker is not None:
        _add(errors, "broker_url", "an APScheduler link has no broker")
    if publisher == "beat" and link_type == "celery-beat" and values.get("broker_url") is None:
        # Without it no event says how a fire the beat published ended: it would run forever.
        _add(errors, "broker_url", "is required when a beat publishes: Kairos follows the fires "
                                   "through the broker's worker events")
    return {"name": name, "publisher": publisher, "broker_url": broker, "result_backend": backend}


def build_link(values: Mapping[str, Any], *, link_id: str, workspace_id: str, now: datetime) -> SchedulerLink:
    """A new link from create fields; every problem names its field."""
    errors = FieldErrors()
    link_type = values.get("type")
    if link_type not in LINK_TYPES:
        _add(errors, "type", "must be one of " + ", ".join(LINK_TYPES))
        errors.raise_if_any()
    common = _check_common(values, str(link_type), errors)
    source = _check_source(str(link_type), values.get("source"), errors)
    errors.raise_if_any()
    return SchedulerLink(id=link_id, workspace_id=workspace_id, type=str(link_type), source=source,
                         created_at=now, updated_at=now, **common)


def change_link(link: SchedulerLink, changes: Mapping[str, Any], *, now: datetime) -> SchedulerLink:
    """The link with `changes` applied; its type cannot change (its schedules depend on it)."""
    errors = FieldErrors()
    if "type" in changes and changes["type"] != link.type:
        _add(errors, "type", "a link's type cannot change; create another link")
        errors.raise_if_any()
    merged: dict[str, Any] = {
        "name": link.name, "publisher": link.publisher, "broker_url": link.broker_url,
        "result_backend": link.result_backend, **changes,
    }
    for name in ("broker_url", "result_backend"):
        merged[name] = _keep_stored(merged[name], getattr(link, name))
    common = _check_common(merged, link.type, errors)
    source = link.source
    if "source" in changes:
        sent = dict(changes["source"]) if isinstance(changes["source"], dict) else changes["source"]
        if isinstance(sent, dict):
            if sent.get("kind", link.source_kind) == link.source_kind:
                stored = dict(link.source)
                if sent.get("version", stored.get("version")) != stored.get("version"):
                    # A 3.x table's name and a 4.x store's schema mean nothing to the other version.
                    stored.pop("tablename", None)
                    stored.pop("schema", None)
                sent = {**stored, **sent}
            for name in URL_SOURCE_FIELDS:
                if name in sent:
                    sent[name] = _keep_stored(sent[name], link.source.get(name))
            stored_env = link.source.get("env")
            if isinstance(sent.get("env"), dict) and isinstance(stored_env, dict):
                # A value sent back as it was shown (masked) keeps the stored one.
                sent["env"] = {name: (stored_env[name] if name in stored_env and isinstance(value, str)
                                      and MASK in value and value == _masked_env_value(name, stored_env[name])
                                      else value) for name, value in sent["env"].items()}
        source = _check_source(link.type, sent, errors)
    errors.raise_if_any()
    return dataclasses.replace(link, source=source, updated_at=now, **common)


def link_urls(link: SchedulerLink) -> list[tuple[str, str]]:
    """(field, URL) of every network address the link makes Kairos connect to."""
    found = [(name, value) for name, value in (("broker_url", link.broker_url),
                                               ("result_backend", link.result_backend)) if value]
    found += [(f"source.{name}", link.source[name]) for name in URL_SOURCE_FIELDS
              if isinstance(link.source.get(name), str)]
    return found
