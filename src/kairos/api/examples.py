"""Examples for the API reference: one per answer model, made by the real presenters.

Request bodies carry their examples on their own models (or, for dialects, per route). Answers
are filled in here, once the schema is generated: a schedule, a job and a fire are built with the
domain's own functions from fixed ids and times and presented as the routes present them, so an
example cannot drift from what the API answers; the access and webhook ones are plain values that
tests/integration/test_api_reference.py validates against their models. Every list envelope
(`ListResponse[X]`, `ScheduleList`…) gets a one-item example of its item's.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from kairos.api.present import fire_public, job_public, schedule_public
from kairos.api.routers.beat import ClaimAnswer, ReportAnswer
from kairos.api.routers.scheduler_links import link_public
from kairos.api.routers.tasks import RegisteredList
from kairos.api.schemas.access import (
    ApiKeyCreated,
    ApiKeyPublic,
    AuditEntryPublic,
    MemberPublic,
    MePublic,
    SessionPublic,
    WorkspaceRole,
)
from kairos.api.schemas.changes import ChangesResponse
from kairos.api.schemas.deliveries import DeliveryPublic, WebhookSecretPublic
from kairos.api.schemas.jobs import JobPublic
from kairos.api.schemas.links import DiffResponse, LinkPublic, LinkTest, SyncResponse
from kairos.api.schemas.reddit import MediaPublic, RedditConnectionPublic, RedditPostPublic
from kairos.api.schemas.schedules import DeletedResponse, FirePublic, PreviewResponse, SchedulePublic
from kairos.api.schemas.strategies import StrategyPublic, TestResult
from kairos.domain.definition import Limits, build_job, build_schedule
from kairos.domain.jobs import Fire, FireStatus, FireTrigger
from kairos.domain.links import build_link
from kairos.integrations.celery.trigger import fire_headers
from kairos.kinds.catalog import KINDS
from kairos.kinds.reddit.items import comment_item, post_item
from kairos.timeutil import isoformat_z

AT = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
WS = "ws_0192f3a0-0000-7000-8000-000000000001"
SCHED = "sched_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e6f"
JOB = "job_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e71"
USER = "usr_0192f3a0-0000-7000-8000-0000000000aa"
KEY = "key_0192f3a0-0000-7000-8000-0000000000bb"
WORKSPACE = {"id": WS, "slug": "default", "name": "Default", "role": "admin"}
LINK = "link_0192f3a0-7a10-7b20-8c30-4d5e6f708192"
SHA = "9f2c4e0b7d1a3f5e8c6b2a4d0e9f1c3b5a7d9e0f2b4c6d8e0a1b3c5d7e9f0a2b"
ITEMS = [{"title": "Rubio talks tariffs", "url": "https://example.com/news/1"}]


def _t(minutes: int = 0) -> str:
    return str(isoformat_z(AT + timedelta(minutes=minutes)))


def _made() -> dict[type[BaseModel], Any]:
    schedule = build_schedule(
        {"name": "Daily Report", "cron_expression": "0 9 * * 1-5", "timezone": "Europe/Berlin",
         "task": "reports.build", "kwargs": {"region": "eu"},
         "webhook_url": "https://your-app.example/hooks/kairos"},
        schedule_id=SCHED, workspace_id=WS, now=AT, limits=Limits(), kinds=KINDS.rulebook)
    job = build_job({"task": "reports.build", "kwargs": {"region": "eu"}}, job_id=JOB, workspace_id=WS, now=AT,
                    kinds=KINDS.rulebook)
    fire = Fire(id="fire_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e70", schedule_id=SCHED, scheduled_for=AT,
                fired_at=AT, job_id=JOB, task_id=None, status=FireStatus.SUCCEEDED, trigger=FireTrigger.SCHEDULE)
    link = build_link({"name": "billing beat", "type": "celery-beat",
                       "broker_url": "redis://:secret@redis.internal:6379/0",
                       "source": {"kind": "django-celery-beat",
                                  "database_url": "postgresql://beat:secret@db.internal/app"}},
                      link_id=LINK, workspace_id=WS, now=AT)
    post = post_item({"id": "1jf3k9q", "subreddit": "selfhosted", "author": "ada_l", "title":
                      "Moved every cron job off the old box this weekend", "selftext": "Notes below.",
                      "url": "https://www.reddit.com/r/selfhosted/comments/1jf3k9q/moved_every_cron_job/",
                      "permalink": "/r/selfhosted/comments/1jf3k9q/moved_every_cron_job/",
                      "domain": "self.selfhosted", "created_utc": AT.timestamp() - 3600, "score": 412,
                      "upvote_ratio": 0.97, "num_comments": 1, "link_flair_text": "Guide", "is_self": True})
    comment = comment_item({"id": "mip2x7d", "parent_id": "t3_1jf3k9q", "author": "grace_h",
                            "body": "Which scheduler did you land on?", "score": 37,
                            "created_utc": AT.timestamp() - 1800}, 0)
    return {
        LinkPublic: link_public(dataclasses.replace(link, last_event_at=AT, last_sync_at=AT)).model_dump(mode="json"),
        RedditPostPublic: {**post, "first_seen_at": _t(), "last_seen_at": _t(30), "comments": [comment],
                           "media": None},
        SchedulePublic: schedule_public(schedule, fires=[fire], show_secret=True).model_dump(mode="json"),
        JobPublic: job_public(job).model_dump(mode="json"),
        FirePublic: fire_public(fire).model_dump(mode="json"),
    }


PLAIN: dict[type[BaseModel], Any] = {
    DeletedResponse: {"message": "Schedule deleted successfully", "id": SCHED},
    PreviewResponse: {"items": [_t(60), _t(60 * 24 * 3 + 60)], "description": "At 09:00, Monday through Friday",
                      "timezone": "Europe/Berlin"},
    ChangesResponse: {"schedule_id": SCHED, "changes": [{
        "job_id": JOB, "status": "completed", "completed_at": _t(1), "content_hash": "7f3d9a2b4c1e" + "0" * 52,
        "item_count": 1, "has_changes": True, "seen": True, "results": ITEMS, "added": ITEMS, "removed": []}],
        "count": 1, "marked_seen": True, "marked_count": 1, "filter_applied": "+rubio +tariff"},
    WebhookSecretPublic: {"schedule_id": SCHED, "webhook_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
    DeliveryPublic: {"id": "dlv_0192f3a0-6b1c-7d2e-8f30-1a2b3c4d5e72", "schedule_id": SCHED, "job_id": JOB,
                     "event": "job.completed", "status": "delivered", "attempt_count": 2,
                     "next_attempt_at": None, "attempts": [
                         {"at": _t(1), "status_code": 503, "error": "answered 503", "duration_ms": 120,
                          "response_body": "upstream busy"},
                         {"at": _t(2), "status_code": 200, "error": None, "duration_ms": 85,
                          "response_body": "{\"received\": true}"}],
                     "created_at": _t(1), "delivered_at": _t(2)},
    StrategyPublic: {"id": "strat_0192f3a0-0000-7000-8000-00000000000a", "workspace_id": WS, "name": "releases",
                     "description": "", "type": "css", "item": "div.release",
                     "fields": {"title": {"selector": "h2::text"}}, "request": None, "parameters": {},
                     "placeholders": [], "created_at": _t(), "updated_at": _t()},
    TestResult: {"items": ITEMS, "count": 1, "warnings": []},
    RegisteredList: {"tasks": [{"name": "kairos.sleep", "description": "Sleep for `seconds`.", "is_async": False}],
                     "workflows": []},
    MePublic: {"type": "key", "id": KEY, "label": "deploy bot", "role": "operator",
               "workspace": {"id": WS, "slug": "default", "name": "Default"}},
    MemberPublic: {"user_id": USER, "email": "ada@example.com", "role": "operator", "created_at": _t()},
    ApiKeyPublic: {"id": KEY, "name": "deploy bot", "role": "operator", "prefix": "kr_Q4dz", "created_at": _t(),
                   "expires_at": None, "last_used_at": _t(5), "revoked_at": None},
    ApiKeyCreated: {"id": KEY, "name": "deploy bot", "role": "operator", "prefix": "kr_Q4dz", "created_at": _t(),
                    "expires_at": None, "last_used_at": None, "revoked_at": None,
                    "secret": "kr_Q4dzRFLsNpDqgC2oieKoRCFiX3oqLUU_pjnqFsQg1uA"},
    AuditEntryPublic: {"id": "aud_0192f3a0-0000-7000-8000-0000000000cc", "at": _t(),
                       "actor": {"type": "user", "id": USER, "label": "ada@example.com"},
                       "action": "schedule.trigger", "resource_type": "schedule", "resource_id": SCHED,
                       "ip": "203.0.113.7", "status": 201},
    SessionPublic: {"user": {"id": USER, "email": "ada@example.com"}, "csrf_token": "3f" * 32,
                    "workspaces": [WORKSPACE]},
    WorkspaceRole: WORKSPACE,
}
ENTRY = {"task": "email.send_daily_digest", "args": [], "kwargs": {"locale": "en-US"}, "enabled": True,
         "trigger_type": "cron", "cron_expression": "0 9 * * *", "timezone": "Europe/Berlin",
         "interval_seconds": None, "run_at": None, "trigger_description": "<crontab: 0 9 * * * (m/h/dM/MY/d)>",
         "options": {"queue": "email"}}
DIFF = {"link_id": LINK, "added": [{"name": "email.daily-digest", "schedule_id": None, **ENTRY}],
        "removed": [{"name": "cleanup.hourly", "schedule_id": "sched_0192f3a0-7a10-7b20-8c30-4d5e6f7081a0"}],
        "changed": [{"name": "billing.invoices", "schedule_id": SCHED, "before": {"cron_expression": "0 6 * * *"},
                     "after": {"cron_expression": "30 6 * * *"}}],
        "unchanged": 4, "read_only": [{"name": "reports.solar", "reason": "solar schedules cannot be written"}]}
PLAIN.update({
    LinkTest: {"ok": True, "entries": 6, "read_only": 1, "broker": "ok", "error": None},
    DiffResponse: DIFF,
    SyncResponse: {**DIFF, "removed": [], "direction": "from_scheduler", "applied": True},
    ClaimAnswer: {"items": [{"job_id": JOB, "task_id": JOB, "link_id": LINK, "task": "email.send_daily_digest",
                             "args": [], "kwargs": {"locale": "en-US"}, "headers": fire_headers(JOB, None, SCHED),
                             "scheduled_for": _t()}], "retry_after_seconds": 1.0},
    ReportAnswer: {"accepted": [JOB]},
    RedditConnectionPublic: {"source": "workspace", "client_id": "p-jcoLKBynTLew", "username": "my_bot",
                             "has_client_secret": True, "has_password": True, "has_refresh_token": False,
                             "user_agent": "kairos:my-digest:v1 (by /u/my_bot)", "created_at": _t(),
                             "updated_at": _t()},
    MediaPublic: {"post_id": "1jf3k9q", "position": 0, "kind": "image", "status": "stored", "sha256": SHA,
                  "mime": "image/jpeg", "size": 284113, "source_url": "https://i.redd.it/0f6tq4bdzxpe1.jpeg",
                  "note": None, "url": f"/api/v1/workspaces/default/media/{SHA}"},
})
# Answers that are not models: the health checks, a job's items, the metrics text.
JSON = "application/json"
BY_OPERATION: dict[tuple[str, str], tuple[str, Any]] = {
    ("/healthz", "get"): (JSON, {"status": "ok"}),
    ("/readyz", "get"): (JSON, {"status": "ok", "checks": {"database": "ok", "scheduler": "ok", "worker": "ok"}}),
    ("/api/v1/workspaces/{workspace}/jobs/{job_id}/results", "get"): (JSON, ITEMS),
    ("/metrics", "get"): ("text/plain", "# HELP kairos_fires_total Fires recorded\n"
                                        "# TYPE kairos_fires_total counter\nkairos_fires_total 42.0\n"),
}


def answer_examples() -> dict[type[BaseModel], Any]:
    return {**_made(), **PLAIN}


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _fill_envelopes(schemas: dict[str, Any]) -> None:
    """A list envelope's example holds one example item (`items`, or its one list field)."""
    for schema in schemas.values():
        if "examples" in schema:
            continue
        lists = {name: field for name, field in schema.get("properties", {}).items()
                 if field.get("type") == "array" and _ref_name(field.get("items", {}))}
        if len(lists) != 1:
            continue
        ((name, field),) = lists.items()
        item = schemas.get(_ref_name(field["items"]) or "", {}).get("examples")
        if not item:
            continue
        example: dict[str, Any] = {name: [item[0]]}
        for other in schema.get("properties", {}):
            example.setdefault(other, {"total": 1, "has_more": False, "next_cursor": None,
                                       "total_exact": True}.get(other, []))
        schema["examples"] = [example]


def install(app: FastAPI) -> None:
    """Make `app.openapi()` add the examples to the schema it generates (once, then cached)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schemas = schema.get("components", {}).get("schemas", {})
        for model, example in answer_examples().items():
            if model.__name__ in schemas:
                schemas[model.__name__].setdefault("examples", [example])
        _fill_envelopes(schemas)
        for (path, method), (media, example) in BY_OPERATION.items():
            operation = schema["paths"].get(path, {}).get(method)
            if operation is not None:
                content = operation["responses"]["200"].setdefault("content", {})
                content.setdefault(media, {})["example"] = example
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
