"""The fields of a reddit schedule or job, checked and given their defaults (seeds 000, 001)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import StrictBool, StrictInt

from kairos.domain.payloads import FieldErrors
from kairos.kinds.reddit.plugins import available, unknown

FIELDS: dict[str, Any] = {
    "target": str,
    "target_type": Literal["subreddit", "user"],
    "mode": Literal["full", "history", "monitor"],
    "limit": StrictInt,
    "download_media": StrictBool,
    "scrape_comments": StrictBool,
    "plugins": list[str],
    "config": dict[str, Any],
}
MODES = ("full", "history", "monitor")
TARGET_TYPES = ("subreddit", "user")
MAX_CONFIG_BYTES = 64 * 1024
DEFAULT_MAX_MORE_REQUESTS = 32
SUBREDDIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}(\+[A-Za-z0-9][A-Za-z0-9_]{1,20})*")
USERNAME = re.compile(r"[A-Za-z0-9_-]{3,20}")


def _target(values: Mapping[str, Any], target_type: str, errors: FieldErrors) -> str | None:
    target = values.get("target")
    if not isinstance(target, str) or not 1 <= len(target) <= 255:
        errors.add("target", "a subreddit name or username (1-255 characters) is required")
        return None
    name = target.strip()
    # "r/python", "/r/python/", "u/spez" are what people paste; the name is what Reddit wants.
    name = re.sub(r"^/?(r|u|user)/", "", name).strip("/")
    pattern = USERNAME if target_type == "user" else SUBREDDIT
    if not pattern.fullmatch(name):
        what = ("a Reddit username: 3-20 letters, digits, _ or -" if target_type == "user" else
                "a subreddit name: 2-21 letters, digits or _ (several joined by +)")
        errors.add("target", f"{target!r} is not {what}")
        return None
    return name


def _flag(values: Mapping[str, Any], name: str, errors: FieldErrors) -> bool:
    value = values.get(name)
    if value is None:
        return True
    if not isinstance(value, bool):
        errors.add(name, "must be true or false")
        return True
    return value


def _config(values: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    config = values.get("config") if values.get("config") is not None else {}
    if not isinstance(config, dict):
        errors.add("config", "must be an object")
        return {}
    if len(json.dumps(config).encode()) > MAX_CONFIG_BYTES:
        errors.add("config", "must be at most 64 KiB of JSON")
    more = config.get("max_more_requests")
    if more is not None and (isinstance(more, bool) or not isinstance(more, int) or not 0 <= more <= 1000):
        errors.add("config.max_more_requests", "must be a whole number from 0 to 1000")
    keywords = config.get("keywords")
    if keywords is not None and not isinstance(keywords, list | dict):
        errors.add("config.keywords", "must be a list of words or an object of tag: [words]")
    return config


def _plugins(values: Mapping[str, Any], errors: FieldErrors) -> list[str]:
    plugins = values.get("plugins") if values.get("plugins") is not None else []
    if not isinstance(plugins, list) or not all(isinstance(name, str) for name in plugins):
        errors.add("plugins", "must be a list of plugin names")
        return []
    for index, name in enumerate(plugins):
        if name in unknown([name]):
            errors.add(f"plugins.{index}", f"no plugin named {name!r} is installed "
                                           f"(installed: {', '.join(sorted(available())) or 'none'})")
    return plugins


def reddit_payload(values: Mapping[str, Any], errors: FieldErrors, *, default_mode: str) -> dict[str, Any]:
    """The *what* of a reddit schedule (`default_mode` history) or one-off job (full)."""
    target_type = values.get("target_type") or "subreddit"
    if target_type not in TARGET_TYPES:
        errors.add("target_type", "must be 'subreddit' or 'user'")
        target_type = "subreddit"
    mode = values.get("mode") or default_mode
    if mode not in MODES:
        errors.add("mode", "must be 'full', 'history' or 'monitor'")
    limit = values.get("limit") if values.get("limit") is not None else 100
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10000:
        errors.add("limit", "must be a whole number from 1 to 10000")
    return {"target": _target(values, target_type, errors), "target_type": target_type, "mode": mode,
            "limit": limit, "download_media": _flag(values, "download_media", errors),
            "scrape_comments": _flag(values, "scrape_comments", errors),
            "plugins": _plugins(values, errors), "config": _config(values, errors)}


def check_reddit_job(values: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """A one-off job: `mode` defaults to full (seed 001)."""
    return reddit_payload(values, errors, default_mode="full")


def check_reddit_schedule(values: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """A schedule: `mode` defaults to history (seed 000)."""
    return reddit_payload(values, errors, default_mode="history")


def reddit_name(payload: Mapping[str, Any]) -> str:
    prefix = "u/" if payload.get("target_type") == "user" else "r/"
    return f"{prefix}{payload.get('target') or 'reddit'} ({payload.get('mode') or 'full'})"
