"""One place where the CLI talks HTTP: base URL, API key, timeouts, and how failures are told."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.markup import escape

DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@dataclass(frozen=True, kw_only=True)
class Connection:
    """Where the server is and who we are to it."""

    url: str = DEFAULT_URL
    api_key: str | None = None
    workspace: str = "default"

    @property
    def base(self) -> str:
        return f"{self.url.rstrip('/')}/api/v1/workspaces/{self.workspace}"


def problem_lines(status: int, body: Any, text: str = "") -> list[str]:
    """A problem+json answer as readable lines: the detail first, then one line per bad field."""
    if not isinstance(body, dict):
        snippet = text.strip()[:300]
        return [f"HTTP {status}" + (f": {snippet}" if snippet else "")]
    title = body.get("title") or f"HTTP {status}"
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    detail = str(body.get("detail") or "")
    lines = [f"{title} ({status})" + (f": {detail}" if detail and not errors else "")]
    for error in errors:
        # `body` and `query` say where a field came from, which is no news to someone typing options.
        loc = [str(p) for p in error.get("loc") or [] if p not in ("body", "query", "path")]
        lines.append(f"  - {'.'.join(loc) or 'request'}: {error.get('msg', 'invalid')}")
    if status == 401:
        lines.append("  Pass --api-key or set KAIROS_API_KEY (the admin key is printed at first start).")
    return lines


class Api:
    """The workspace's API; every failure is printed to stderr and ends the command with exit 1."""

    def __init__(self, connection: Connection, errors: Console) -> None:
        headers = {"Accept": "application/json", "User-Agent": "kairos-cli"}
        if connection.api_key:
            headers["X-API-Key"] = connection.api_key
        self.connection = connection
        self.errors = errors
        self.http = httpx.Client(base_url=connection.base, headers=headers, timeout=TIMEOUT)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.send("GET", path, params=params).json()

    def post(self, path: str, body: Any = None) -> Any:
        return self.send("POST", path, body=body).json()

    def patch(self, path: str, body: Any) -> Any:
        return self.send("PATCH", path, body=body).json()

    def delete(self, path: str) -> Any:
        return self.send("DELETE", path).json()

    def collect(self, path: str, params: Mapping[str, Any], *, every: bool) -> dict[str, Any]:
        """One page of a list, or with `every` all of them joined (following `next_cursor`)."""
        page: dict[str, Any] = self.get(path, params)
        if not every:
            return page
        items = list(page["items"])
        while page.get("has_more") and page.get("next_cursor"):
            page = self.get(path, {**params, "cursor": page["next_cursor"]})
            items += page["items"]
        return {"items": items, "total": len(items), "has_more": False, "next_cursor": None}

    def send(self, method: str, path: str, *, body: Any = None,
             params: Mapping[str, Any] | None = None) -> httpx.Response:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self.http.request(method, path, params=query, json=body)
        except httpx.ConnectError as exc:
            self.fail(f"cannot reach Kairos at {self.connection.url} ({_reason(exc)}).",
                      "Is the server running? Start it with `make run` (or `kairos serve`), "
                      "or point --url / KAIROS_URL at it.")
        except httpx.TimeoutException:
            self.fail(f"Kairos at {self.connection.url} did not answer in time.")
        except httpx.HTTPError as exc:
            self.fail(f"request to {self.connection.url} failed: {exc}")
        if response.is_error:
            try:
                problem = response.json()
            except ValueError:
                problem = None
            self.fail(*problem_lines(response.status_code, problem, response.text))
        return response

    def fail(self, *lines: str) -> NoReturn:
        """Print why the command failed and end it with exit code 1."""
        self.errors.print(f"[bold red]Error:[/] {escape(lines[0])}", highlight=False)
        for line in lines[1:]:
            self.errors.print(escape(line), highlight=False)
        raise typer.Exit(1)


def _reason(exc: httpx.ConnectError) -> str:
    text = str(exc)
    return "connection refused" if "refused" in text.lower() or not text else text
