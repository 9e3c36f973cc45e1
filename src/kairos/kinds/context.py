"""What a running task sees of its job: who it is, how to report progress, whether to stop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from kairos.domain.finish import CancelReason
from kairos.exceptions import JobCancelled
from kairos.timeutil import isoformat_z, utcnow


@dataclass(eq=False)
class TaskContext:
    """Handed to tasks and workflows that take a `ctx` parameter.

    Progress is buffered here and saved by the worker with its next lease renewal, so a task
    may report as often as it likes without costing a database write each time.
    """

    job_id: str
    workspace_id: str
    schedule_id: str | None
    attempt: int
    scheduled_for: datetime | None
    http_client: Callable[[], httpx.Client] = field(repr=False, default=httpx.Client)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _progress: dict[str, Any] = field(default_factory=dict, repr=False)
    _dirty: bool = field(default=False, repr=False)
    cancel_reason: CancelReason | None = None

    def progress(
        self,
        current: float | None = None,
        total: float | None = None,
        message: str | None = None,
        **counters: Any,
    ) -> None:
        """Report progress: `current` of `total`, a message, and any named counters."""
        with self._lock:
            if current is not None:
                self._progress["current"] = current
            if total is not None:
                self._progress["total"] = total
            if message is not None:
                self._progress["message"] = message
            self._progress.update(counters)
            if "current" in self._progress and self._progress.get("total"):
                share = float(self._progress["current"]) / float(self._progress["total"])
                self._progress["percent"] = round(100 * share, 1)
            self._progress["updated_at"] = isoformat_z(utcnow())
            self._dirty = True

    def take_progress(self) -> dict[str, Any] | None:
        """The progress to save, if it changed since the last call (the worker calls this)."""
        with self._lock:
            if not self._dirty:
                return None
            self._dirty = False
            return dict(self._progress)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self, reason: CancelReason) -> None:
        """Tell the task to stop (the worker calls this); the first reason given is the one kept."""
        if self.cancel_reason is None:
            self.cancel_reason = reason
        self._cancel.set()

    def check_cancelled(self) -> None:
        """Raise `JobCancelled` if the job was cancelled; call it between units of work."""
        if self._cancel.is_set():
            raise JobCancelled(f"cancelled ({self.cancel_reason or CancelReason.REQUESTED})")

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake and raise `JobCancelled` as soon as the job is cancelled."""
        if self._cancel.wait(max(0.0, seconds)):
            raise JobCancelled(f"cancelled ({self.cancel_reason or CancelReason.REQUESTED})")
