"""Aware-UTC time helpers shared by every layer."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_aware(value: datetime, field: str = "datetime") -> datetime:
    """Return `value` in UTC; naive datetimes are refused, never guessed."""
    if value.tzinfo is UTC:
        return value  # the common case (everything read from the store): nothing to convert
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must carry a time zone (for example a trailing Z)")
    return value.astimezone(UTC)


def isoformat_z(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a `Z`, as every API response writes times."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")
