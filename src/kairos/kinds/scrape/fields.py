"""The *what* of a scrape job: a strategy, exactly one of `url`/`urls`, and `parameters`. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from kairos.domain.payloads import FieldErrors, check_http_url, check_json_object

MAX_SCRAPE_URLS = 100
FIELDS: dict[str, Any] = {
    "strategy_id": str,
    "url": str,
    "urls": list[str],
    "parameters": dict[str, Any],
}


def check_scrape(values: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """A strategy of the workspace, the URL(s) to scrape, and the strategy's parameters."""
    strategy_id = values.get("strategy_id")
    if not isinstance(strategy_id, str) or not 1 <= len(strategy_id) <= 200:
        errors.add("strategy_id", "the id of a strategy of this workspace is required")
    url, urls = values.get("url"), values.get("urls")
    if url is not None and urls is not None:
        errors.add("urls", "send either url or urls, not both")
    elif url is None and urls is None:
        errors.add("url", "a `url` (or a list of `urls`) to scrape is required")
    elif url is not None:
        check_http_url(url, "url", errors)
    elif not isinstance(urls, list) or not 1 <= len(urls) <= MAX_SCRAPE_URLS:
        errors.add("urls", f"must be a list of 1-{MAX_SCRAPE_URLS} URLs")
    else:
        for index, item in enumerate(urls):
            check_http_url(item, f"urls.{index}", errors)
    parameters = check_json_object(values, "parameters", errors)
    return {"strategy_id": strategy_id, "url": url, "urls": urls, "parameters": parameters}


def scrape_name(payload: Mapping[str, Any]) -> str:
    first = payload.get("url") or (payload.get("urls") or [None])[0]
    host = urlsplit(str(first)).hostname if first else None
    return f"scrape {host}" if host else "scrape"
