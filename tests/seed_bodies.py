"""The request bodies of the seed documents, as they stand, for every test that sends them."""

from __future__ import annotations

from typing import Any

# Seeds 000 and 001 (Reddit scrape schedules and jobs).
REDDIT_SCHEDULE: dict[str, Any] = {
    "target": "technology", "target_type": "subreddit", "mode": "history", "cron_expression": "0 */6 * * *",
}
REDDIT_SCHEDULE_PATCH: dict[str, Any] = {"is_active": False}
REDDIT_JOB: dict[str, Any] = {
    "target": "technology", "target_type": "subreddit", "mode": "full", "limit": 100,
    "download_media": True, "scrape_comments": True,
}
REDDIT_JOB_CURL: dict[str, Any] = {"target": "technology", "target_type": "subreddit", "mode": "full", "limit": 100}

# Seed 002 (workflow callbacks: once / delayed / cron, paused through PUT).
DAILY_REPORT: dict[str, Any] = {
    "name": "Daily Report", "type": "cron", "cron_expression": "0 9 * * *",
    "callback_type": "workflow", "callback_id": "workflow-456", "status": "active",
}
SEND_REMINDER: dict[str, Any] = {
    "name": "Send Reminder", "type": "once", "next_run": "2024-12-20T15:00:00Z",
    "callback_type": "workflow", "callback_id": "workflow-789",
}
FOLLOW_UP: dict[str, Any] = {
    "name": "Follow-up", "type": "delayed", "delay_seconds": 3600,
    "callback_type": "workflow", "callback_id": "workflow-123",
}
HOURLY_SYNC: dict[str, Any] = {
    "name": "Hourly Sync", "type": "cron", "cron_expression": "0 * * * *",
    "callback_type": "workflow", "callback_id": "sync-workflow",
}
PAUSE: dict[str, Any] = {"status": "paused"}
UPDATE: dict[str, Any] = {"name": "Updated Schedule", "cron_expression": "0 10 * * *", "status": "paused"}

# Seed 003 (Celery beat / APScheduler project schedules).
DAILY_DIGEST: dict[str, Any] = {
    "name": "email.daily-digest", "scheduler": "celery-beat", "trigger_type": "cron",
    "trigger": {"minute": "0", "hour": "9", "day_of_week": "*"},
    "task": "email.send_daily_digest", "args": [], "kwargs": {"locale": "en-US"}, "enabled": True,
}

# Seed 004 (interval/cron URL scrapes with strategies and webhooks). The seed's strategy id is a
# placeholder for one of the reader's strategies: tests substitute one that exists.
SEED_004_STRATEGY_ID = "550e8400-e29b-41d4-a716-446655440000"
SCRAPE_INTERVAL: dict[str, Any] = {
    "strategy_id": SEED_004_STRATEGY_ID, "url": "https://example.com/products",
    "interval_seconds": 3600, "webhook_url": "https://your-app.com/webhooks/meter",
}
SCRAPE_CRON: dict[str, Any] = {
    "strategy_id": SEED_004_STRATEGY_ID, "url": "https://example.com/products",
    "cron_expression": "0 9 * * *", "webhook_url": "https://your-app.com/webhooks/meter",
}
SCRAPE_INTERVAL_MINIMAL: dict[str, Any] = {
    "strategy_id": SEED_004_STRATEGY_ID, "url": "https://example.com/products",
    "interval_seconds": 3600,
}
SCRAPE_CRON_MINIMAL: dict[str, Any] = {
    "strategy_id": SEED_004_STRATEGY_ID, "url": "https://example.com/products",
    "cron_expression": "0 9 * * *",
}
SCRAPE_DISABLE: dict[str, Any] = {"enabled": False}
SCRAPE_CHANGE_INTERVAL: dict[str, Any] = {"interval_seconds": 7200}
