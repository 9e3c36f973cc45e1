"""A job's items as a streamed response (JSON, NDJSON or CSV), read from the store in chunks."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from fastapi.responses import StreamingResponse

from kairos.domain.items import items_of
from kairos.domain.jobs import Job, JobStatus
from kairos.store.base import Store

Format = Literal["json", "ndjson", "csv"]
BATCH = 200  # items per chunk written to the client

ItemSource = Callable[[], Iterable[Any]]


def _source(store: Store, job: Job) -> tuple[int, ItemSource]:
    """How many items the job has and how to read them (each call reads them afresh)."""
    if store.job_items(job.id, limit=1):
        return job.item_count or 0, lambda: store.iter_job_items(job.id)
    if job.item_count == 0 or job.status != JobStatus.COMPLETED:
        # No items: a scrape that found nothing, or a job that did not complete, may keep a page
        # report or an error in `result`, which is not an item.
        return 0, list
    # A job finished before items were stored per job: its result is the list, as it was then.
    items = items_of(job.result)
    return len(items), lambda: items


def _batched(pieces: Iterable[str], size: int = BATCH) -> Iterator[str]:
    batch: list[str] = []
    for piece in pieces:
        batch.append(piece)
        if len(batch) >= size:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def _json(job: Job, count: int, items: ItemSource) -> Iterator[str]:
    head = json.dumps({"job_id": job.id, "status": str(job.status), "count": count})
    yield head[:-1] + ', "items": ['
    yield from _batched((", " if n else "") + json.dumps(item) for n, item in enumerate(items()))
    yield "]}"


def _row(item: Any) -> dict[str, Any]:
    return item if isinstance(item, dict) else {"value": item}


def _cell(value: Any) -> Any:
    # Nested values are written as JSON so that a spreadsheet cell holds the whole of them.
    return value if isinstance(value, str | int | float | None) else json.dumps(value)


def _csv(items: ItemSource) -> Iterator[str]:
    # Two passes: the header is the union of every item's keys, known only after reading them all,
    # and reading twice keeps memory flat however many items there are.
    columns: dict[str, None] = {}
    for item in items():
        columns.update(dict.fromkeys(_row(item)))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns) or ["value"])
    writer.writeheader()

    def lines() -> Iterator[str]:
        yield buffer.getvalue()
        for item in items():
            buffer.seek(0)
            buffer.truncate()
            writer.writerow({key: _cell(value) for key, value in _row(item).items()})
            yield buffer.getvalue()

    yield from _batched(lines())


def stream_items(store: Store, job: Job, format: Format) -> StreamingResponse:
    count, items = _source(store, job)
    if format == "ndjson":
        return StreamingResponse(_batched(json.dumps(item) + "\n" for item in items()),
                                 media_type="application/x-ndjson")
    if format == "csv":
        return StreamingResponse(
            _csv(items), media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{job.id}.csv"'})
    return StreamingResponse(_json(job, count, items), media_type="application/json")
