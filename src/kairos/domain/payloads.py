"""What a schedule or one-off job runs: the one validation layer for every kind's *what* fields.

Pure, like the rest of the domain. The domain does not know the kinds: each kind's package
(`kairos.kinds.<kind>`) states its rules as a `KindRules` (its field names and a pure check that
turns the sent values into the stored payload), and the composition root hands the collected
`KindRulebook` to `definition.py`, which uses it for schedules and jobs alike. Every problem is
added to a `FieldErrors` naming its field, so one answer lists them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from kairos.domain.payload_secrets import masked_payload
from kairos.domain.schedules import Kind
from kairos.exceptions import FieldError, InvalidInput

MAX_ARGS_BYTES = 64 * 1024


class FieldErrors:
    """Problems found so far, each naming its field; raised together as one `InvalidInput`."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, loc: str, msg: str) -> None:
        self.items.append(FieldError((loc,), msg))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidInput(errors=self.items)


# The values sent (only the fields that were sent, un-aliased) -> the payload to store.
PayloadCheck = Callable[[Mapping[str, Any], FieldErrors], dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class KindRules:
    """What the domain must know of one kind to accept its *what* fields."""

    kind: Kind
    fields: tuple[str, ...]
    check: PayloadCheck
    # The name a schedule gets when none is sent, from its stored payload.
    default_name: Callable[[Mapping[str, Any]], str]
    # Fields whose presence alone does not say this kind is meant (words other kinds could use).
    weak_fields: frozenset[str] = frozenset()
    # The check for schedules, where it differs from one-off jobs' (a reddit schedule's `mode`
    # defaults to history, a job's to full); None: `check` serves both.
    schedule_check: PayloadCheck | None = None


class KindRulebook:
    """The rules of every kind this deployment runs, by kind."""

    def __init__(self, rules: Iterable[KindRules]) -> None:
        self._rules = {rule.kind: rule for rule in rules}
        names: dict[str, None] = {}
        for rule in self._rules.values():
            names.update(dict.fromkeys(rule.fields))
        self.fields: tuple[str, ...] = tuple(names)

    @property
    def kinds(self) -> tuple[Kind, ...]:
        return tuple(self._rules)

    def infer(self, values: Mapping[str, Any]) -> Kind | None:
        """The kind named by `kind`, else the one whose fields were sent; None if nothing says."""
        if values.get("kind") is not None:
            try:
                return Kind(values["kind"])
            except ValueError:
                raise InvalidInput.field(
                    "kind", "must be one of " + ", ".join(k.value for k in Kind)) from None
        present = [rule.kind for rule in self._rules.values()
                   if any(values.get(n) is not None for n in rule.fields if n not in rule.weak_fields)]
        if len(present) > 1:
            raise InvalidInput.field("kind", "fields of several kinds were sent: "
                                     + ", ".join(sorted(map(str, present))))
        return present[0] if present else None

    def payload(self, kind: Kind, values: Mapping[str, Any], errors: FieldErrors, *,
                schedule: bool = False) -> dict[str, Any]:
        """Validate and collect the *what* of a schedule (`schedule`) or one-off job."""
        rule = self._rules.get(kind)
        if rule is None:
            available = ", ".join(k.value for k in self._rules)
            errors.add("kind", f"kind {kind.value!r} is not available in this version of Kairos "
                               f"(available: {available})")
            return {}
        check = rule.schedule_check if schedule and rule.schedule_check is not None else rule.check
        return check(values, errors)

    def default_name(self, kind: Kind | None, payload: Mapping[str, Any]) -> str:
        rule = self._rules.get(kind) if kind is not None else None
        # A name is shown to every reader: it is made from the payload as answers show it.
        return rule.default_name(masked_payload(payload)) if rule is not None else "schedule"


def json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def check_json_object(values: Mapping[str, Any], name: str, errors: FieldErrors) -> dict[str, Any]:
    """An optional JSON object of at most 64 KiB (an empty one when not sent)."""
    value = values.get(name) if values.get(name) is not None else {}
    if not isinstance(value, dict):
        errors.add(name, "must be an object")
    elif json_size(value) > MAX_ARGS_BYTES:
        errors.add(name, "must be at most 64 KiB of JSON")
    return value if isinstance(value, dict) else {}


def check_name(value: Any, field_name: str, errors: FieldErrors, what: str) -> None:
    """A registered name: 1-200 characters."""
    if not isinstance(value, str) or not 1 <= len(value) <= 200:
        errors.add(field_name, f"{what} (1-200 characters) is required")


# Past what servers and browsers take; a longer URL is refused, not stored, fetched and shown.
MAX_URL_LENGTH = 4096


def check_http_url(value: Any, field_name: str, errors: FieldErrors) -> None:
    if not isinstance(value, str) or not value:
        errors.add(field_name, "must be a URL")
        return
    if len(value) > MAX_URL_LENGTH:
        errors.add(field_name, f"must be at most {MAX_URL_LENGTH} characters")
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors.add(field_name, "must be an absolute http:// or https:// URL")
