"""Every error Kairos raises on purpose. The API maps them to problem+json in one handler."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    loc: tuple[str | int, ...]
    msg: str


class KairosError(Exception):
    """Something went wrong."""

    status = 500

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or (self.__doc__ or "").strip()
        super().__init__(self.detail)

    @property
    def headers(self) -> dict[str, str] | None:
        """Headers the problem answer carries (the API adds them to the response)."""
        return None


class InvalidInput(KairosError):
    """The request is not valid."""

    status = 400

    def __init__(self, detail: str | None = None, errors: Sequence[FieldError] = ()) -> None:
        self.errors = list(errors)
        if detail is None and self.errors:
            detail = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in self.errors)
        super().__init__(detail)

    @classmethod
    def field(cls, loc: str | tuple[str | int, ...], msg: str) -> InvalidInput:
        path = (loc,) if isinstance(loc, str) else loc
        return cls(errors=[FieldError(path, msg)])


class UnknownStrategy(InvalidInput):
    """A scrape names a strategy its workspace does not have (a 400 naming `strategy_id`)."""

    def __init__(self, strategy_id: str) -> None:
        self.strategy_id = strategy_id
        super().__init__(errors=[FieldError(("strategy_id",), f"no strategy {strategy_id!r} in this workspace")])


class NotFound(KairosError):
    """The resource does not exist."""

    status = 404
    resource = "resource"

    def __init__(self, resource_id: str, detail: str | None = None) -> None:
        self.resource_id = resource_id
        super().__init__(detail or f"{self.resource} {resource_id!r} not found")


class WorkspaceNotFound(NotFound):
    resource = "workspace"


class ScheduleNotFound(NotFound):
    resource = "schedule"


class JobNotFound(NotFound):
    resource = "job"


class DeliveryNotFound(NotFound):
    resource = "delivery"


class StrategyNotFound(NotFound):
    resource = "strategy"


class LinkNotFound(NotFound):
    resource = "scheduler link"


class LinkUnavailable(KairosError):
    """The linked scheduler's store could not be reached or read."""

    status = 502


class ExtractionError(KairosError):
    """The strategy could not extract items from the document."""

    status = 400

    def __init__(self, detail: str | None = None, loc: tuple[str | int, ...] = ()) -> None:
        # `loc` names the part of the strategy (or its parameters) that failed, such as
        # ("item",), ("fields", "price", "selector") or ("parameters", "city").
        self.loc = loc
        super().__init__(detail)


class MemberNotFound(NotFound):
    resource = "member"


class ApiKeyNotFound(NotFound):
    resource = "API key"


class RedditPostNotFound(NotFound):
    resource = "reddit post"


class RedditConnectionNotFound(NotFound):
    resource = "reddit connection"


class MediaNotFound(NotFound):
    resource = "media file"


class RedditUnavailable(KairosError):
    """Reddit refused the job's requests for a reason waiting will not cure (credentials, a
    missing or private target); the message says what to change."""


class Conflict(KairosError):
    """The resource is not in a state that allows this."""

    status = 409


class RequestInProgress(Conflict):
    """A request with this Idempotency-Key is still running; retry in a moment for its answer."""

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": "1"}


class Unauthorized(KairosError):
    """Missing or invalid credentials."""

    status = 401

    @property
    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(KairosError):
    """Your role does not allow this."""

    status = 403


class TooManyAttempts(KairosError):
    """Too many failed sign-ins or bad keys; try again later."""

    status = 429

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(detail or f"too many failed attempts; try again in {self.retry_after} s")

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}


class TaskNotRegistered(KairosError):
    """The task is not registered."""

    def __init__(self, name: str, what: str = "task") -> None:
        super().__init__(f"{what} {name!r} is not registered")


class FetchFailed(KairosError):
    """A page could not be fetched."""

    status = 400

    def __init__(self, url: str, reason: str, *, http_status: int | None = None) -> None:
        self.url = url
        self.reason = reason
        self.http_status = http_status
        super().__init__(f"{url}: {reason}")


class JobCancelled(Exception):
    """Raised inside a running task when its job has been cancelled."""
