"""The *what* fields of every kind, as Pydantic models built from the kind catalog.

The request and response models of schedules and jobs inherit them, so a kind's fields are
declared once, in its package (`KindSpec.fields`), and appear in every body and in the OpenAPI
document. All of them are optional here: which ones a kind requires is its `check`'s business,
so that one 400 answer names every missing or wrong field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, create_model

from kairos.kinds.catalog import KINDS, KindCatalog


def what_fields_model(catalog: KindCatalog) -> type[BaseModel]:
    fields: dict[str, Any] = {name: (annotation | None, None) for name, annotation in catalog.fields.items()}
    return create_model("WhatFields", **fields)


def counters_model(catalog: KindCatalog) -> type[BaseModel]:
    fields: dict[str, Any] = {name: (int | None, None) for name in catalog.counters}
    return create_model("KindCounters", **fields)


if TYPE_CHECKING:
    class WhatFields(BaseModel):
        """Every kind's *what* fields (built at import time; opaque to the type checker)."""

    class KindCounters(BaseModel):
        """Every kind's job counters."""
else:
    WhatFields = what_fields_model(KINDS)
    KindCounters = counters_model(KINDS)
