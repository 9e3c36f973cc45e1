"""What each JSON block of each seed document is: a request or an answer, of which endpoint.

The bodies themselves are read from the files (seed_documents.json_blocks); this table only
classifies them, in document order, and test_seed_documents.py fails when the files and the
table stop lining up. Paths are the seeds' literal ones; `status` is the status the seed shows,
or the one Kairos chose where it shows none (docs/dialects.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.conformance.seed_documents import json_blocks, seed_text


@dataclass(frozen=True)
class Slot:
    role: str  # "request", "response", or "webhook" (seed 004's payload)
    method: str
    path: str
    status: int | None = None
    documented_status: bool = True  # False where the seed shows no status code


@dataclass(frozen=True)
class Example:
    seed: str
    slot: Slot
    body: Any


WS_000 = "/api/v1/workspaces/{workspace_id}"
AGENTS = "/api/agents/{id}"
PROJECTS = "/api/v1/projects/{slug}"

SLOTS: dict[str, list[Slot]] = {
    "000": [
        Slot("response", "GET", f"{WS_000}/schedules", 200),
        Slot("request", "POST", f"{WS_000}/schedules"),
        Slot("response", "POST", f"{WS_000}/schedules", 201),
        Slot("request", "PATCH", f"{WS_000}/schedules/{{schedule_id}}"),
        Slot("response", "PATCH", f"{WS_000}/schedules/{{schedule_id}}", 200),
        Slot("response", "DELETE", f"{WS_000}/schedules/{{schedule_id}}", 200),
    ],
    "001": [
        Slot("request", "POST", f"{WS_000}/jobs"),
        Slot("response", "POST", f"{WS_000}/jobs", 201),
        Slot("response", "GET", f"{WS_000}/jobs", 200),
        Slot("response", "GET", f"{WS_000}/jobs/{{job_id}}", 200),
        Slot("response", "DELETE", f"{WS_000}/jobs/{{job_id}}", 200),
    ],
    "002": [
        Slot("response", "GET", f"{AGENTS}/schedules", 200, False),
        Slot("request", "POST", f"{AGENTS}/schedules"),
        Slot("request", "POST", f"{AGENTS}/schedules"),
        Slot("request", "POST", f"{AGENTS}/schedules"),
        Slot("response", "POST", f"{AGENTS}/schedules", 201, False),
        Slot("response", "GET", f"{AGENTS}/schedules/{{scheduleId}}", 200, False),
        Slot("request", "PUT", f"{AGENTS}/schedules/{{scheduleId}}"),
    ],
    "003": [
        Slot("response", "GET", f"{PROJECTS}/schedules", 200, False),
        Slot("request", "POST", f"{PROJECTS}/schedules"),
    ],
    "004": [
        Slot("request", "POST", "/api/schedules"),
        Slot("request", "POST", "/api/schedules"),
        Slot("response", "POST", "/api/schedules", 201, False),
        Slot("request", "PATCH", "/api/schedules/{schedule_id}"),
        Slot("response", "DELETE", "/api/schedules/{schedule_id}", 200, False),
        Slot("response", "POST", "/api/schedules/{schedule_id}/webhook-secret/regenerate", 200, False),
        Slot("response", "GET", "/api/schedules/{schedule_id}/changes", 200, False),
        Slot("webhook", "POST", "{webhook_url}"),
    ],
}


def examples(seed: str) -> list[Example]:
    blocks = json_blocks(seed_text(seed))
    slots = SLOTS[seed]
    if len(blocks) != len(slots):
        raise AssertionError(f"seed {seed} shows {len(blocks)} JSON blocks; the table classifies {len(slots)}")
    return [Example(seed, slot, body) for slot, body in zip(slots, blocks, strict=True)]


def requests(seed: str, method: str | None = None) -> list[Any]:
    return [e.body for e in examples(seed)
            if e.slot.role == "request" and (method is None or e.slot.method == method)]


def response(seed: str, method: str, path: str) -> Example:
    """The one documented answer of an endpoint."""
    (found,) = [e for e in examples(seed) if e.slot.role == "response" and e.slot.method == method
                and e.slot.path.endswith(path)]
    return found


# Fields whose value is an instant not reached yet in a fresh schedule or job (null until then),
# whatever the example shows.
INSTANTS = ("_at", "next_run", "last_run")


def nullable_fields(seed: str) -> set[str]:
    """Fields a seed shows as null somewhere, or instants: null is a documented value of theirs."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if item is None or key.endswith(INSTANTS):
                    found.add(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for example in examples(seed):
        walk(example.body)
    return found
