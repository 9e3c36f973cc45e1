"""The secrets in a schedule's or job's *what* are write-only, as a strategy's are.

A scrape's `parameters` override an API strategy's (`{"api_key": "sk_live_…"}`), and its `url`,
`urls` or a callback's `callback_id` may carry `user:pass@` or `?api_key=…`. Every answer shows
them as `kairos.domain.strategy_secrets` shows a strategy's: masked by name, for every role.
`restore_payload_secrets(changes, current)` reads an update as a client that sends back what it
was shown means it: a value still equal to its masked form keeps the stored secret, and a mask
that stands for no stored secret is a 400 rather than stored as the secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kairos.domain.strategy_secrets import MASK, mask_parameters, mask_url
from kairos.exceptions import FieldError, InvalidInput

URL_FIELDS = ("url", "callback_id")


def _shown_url(value: Any) -> Any:
    """The URL masked, or the value untouched when there is nothing to mask (no re-spelling)."""
    if not isinstance(value, str):
        return value
    shown = mask_url(value)
    return shown if MASK in shown and shown != value else value


def masked_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as any answer shows it: secret parameters and URL credentials masked."""
    shown = dict(payload)
    if isinstance(shown.get("parameters"), Mapping):
        shown["parameters"] = mask_parameters(shown["parameters"])
    for name in URL_FIELDS:
        if name in shown:
            shown[name] = _shown_url(shown[name])
    if isinstance(shown.get("urls"), list):
        shown["urls"] = [_shown_url(u) for u in shown["urls"]]
    return shown


def _restore_url(sent: Any, stored: Any) -> Any:
    if isinstance(sent, str) and isinstance(stored, str) and MASK in sent and sent == _shown_url(stored):
        return stored
    return sent


def restore_payload_secrets(changes: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The changes with each value still equal to its masked form put back to the stored secret."""
    restored = dict(changes)
    stored_parameters = current.get("parameters")
    if isinstance(changes.get("parameters"), Mapping) and isinstance(stored_parameters, Mapping):
        restored["parameters"] = {k: stored_parameters.get(k, v) if v == MASK else v
                                  for k, v in changes["parameters"].items()}
    for name in URL_FIELDS:
        if name in changes:
            restored[name] = _restore_url(changes[name], current.get(name))
    stored_urls = current.get("urls")
    if isinstance(changes.get("urls"), list) and isinstance(stored_urls, list):
        # A URL sent back as shown stands for the stored URL it was shown for, wherever it now is.
        by_shown = {_shown_url(u): u for u in stored_urls if isinstance(u, str)}
        restored["urls"] = [by_shown.get(u, u) if isinstance(u, str) and MASK in u else u
                            for u in changes["urls"]]
    _refuse_leftover_masks(restored)
    return restored


def _refuse_leftover_masks(restored: Mapping[str, Any]) -> None:
    """A mask that stands for no stored secret (a renamed parameter, a URL edited around its
    mask) would be stored as the secret itself: a 400 naming the field, so the client sends the value."""
    errors: list[FieldError] = []
    needs_value = f"still holds the mask {MASK}, which stands for no stored secret here: send the value"
    parameters = restored.get("parameters")
    if isinstance(parameters, Mapping):
        for key, value in parameters.items():
            if value == MASK:
                errors.append(FieldError(("parameters", key), needs_value))
    for name in URL_FIELDS:
        if isinstance(restored.get(name), str) and MASK in restored[name]:
            errors.append(FieldError((name,), needs_value))
    if isinstance(restored.get("urls"), list):
        for index, url in enumerate(restored["urls"]):
            if isinstance(url, str) and MASK in url:
                errors.append(FieldError(("urls", index), needs_value))
    if errors:
        raise InvalidInput(errors=errors)
