"""Shapes shared by every resource: list envelopes, problem details, aliases."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, model_validator
from pydantic_core import PydanticCustomError

from kairos.domain.payloads import MAX_URL_LENGTH
from kairos.store.pages import PageResult
from kairos.timeutil import isoformat_z

T = TypeVar("T")
S = TypeVar("S")

Timestamp = Annotated[datetime, PlainSerializer(isoformat_z, return_type=str)]

# Every instant a client sends lies here once in UTC. The bounds leave centuries of headroom at
# the far end, so that no fire time, lease or preview computed from a valid instant can leave
# the calendar (Python's years 1-9999), and no scheduling question needs an instant before 1970.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _in_range(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise PydanticCustomError("instant_range", "must lie between 1970-01-01T00:00:00Z and 8999-12-31T23:59:59Z")
    return utc


Instant = Annotated[AwareDatetime, AfterValidator(_in_range)]


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", "may not be null: leave the field out to keep its value")
    return value


def _without_null(schema: dict[str, Any]) -> None:
    if schema.get("default", 0) is None:
        del schema["default"]  # absent means "keep"; null is no value it can take
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


# A field with no "unset" meaning: leaving it out keeps it, an explicit null is a 400 (never a
# silent reset to a default). The document shows it without null.
NotNull = Annotated[T | None, AfterValidator(_not_null), Field(json_schema_extra=_without_null)]

# A URL a client stores (the kinds' URLs are checked by `check_http_url`, the webhook's here).
Url = Annotated[str, Field(max_length=MAX_URL_LENGTH)]


class ListResponse(BaseModel, Generic[T]):
    items: list[T]
    total: int
    has_more: bool
    next_cursor: str | None = None
    total_exact: bool = Field(default=True, description="False when `total` stopped counting at 10,000")

    @classmethod
    def of_page(cls, result: PageResult[S], present: Callable[[S], T]) -> Self:
        """The envelope of one page from the store, each item presented for the API."""
        return cls(items=[present(item) for item in result.items], total=result.total,
                   has_more=result.has_more, next_cursor=result.next_cursor,
                   total_exact=result.total_exact)


class ProblemError(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "about:blank", "title": "Bad Request", "status": 400,
        "detail": "cron_expression: invalid cron expression: Bad minute",
        "errors": [{"loc": ["body", "cron_expression"], "msg": "invalid cron expression: Bad minute"}],
    }]})

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemError] = Field(default_factory=list)


def resolve_aliases(
    raw: Any, aliases: Mapping[str, tuple[str, ...]]
) -> tuple[Any, list[tuple[str, str]]]:
    """Rename alias keys to their canonical name; returns the body and the conflicts found.

    Two names for one field in one body are a conflict unless they carry the same value.
    """
    if not isinstance(raw, dict):
        return raw, []
    body = dict(raw)
    conflicts = []
    for canonical, names in aliases.items():
        present = [n for n in (canonical, *names) if n in body]
        if len(present) > 1:
            values = {repr(body[n]) for n in present}
            if len(values) > 1:
                conflicts.append((present[1], f"conflicts with {present[0]!r}; send one of them"))
        for name in present:
            value = body.pop(name)
            body.setdefault(canonical, value)
    return body, conflicts


def find_nul(value: Any, loc: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where a NUL character hides in a JSON value (keys included), or None."""
    if isinstance(value, str):
        return loc if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                return (*loc, str(key).replace("\x00", "\\0"))
            found = find_nul(item, (*loc, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = find_nul(item, (*loc, index))
            if found is not None:
                return found
    return None


# Where an error raised by a model-level validator belongs: such an error has no `loc` of its own,
# so it carries the field's in its context, and api/errors.py appends it to the body's `loc`.
FIELD_LOC = "kairos_field_loc"


def field_error(loc: tuple[str | int, ...], error_type: str, msg: str) -> PydanticCustomError:
    """An error of a model-level validator that names its field in `loc`, as a field's own would."""
    return PydanticCustomError(error_type, msg, {FIELD_LOC: loc})


def refuse_nul(raw: Any) -> None:
    """Text may not contain NUL characters: PostgreSQL can store none, and no user needs one."""
    where = find_nul(raw)
    if where is not None:
        raise field_error(where, "nul_character", "must not contain NUL characters")


class InputBody(BaseModel):
    """A request body: unknown fields are refused, and no text in it may hold a NUL character."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, raw: Any) -> Any:
        refuse_nul(raw)
        return raw
