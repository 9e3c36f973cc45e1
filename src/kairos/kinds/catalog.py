"""The kinds this version of Kairos runs: one `KindSpec` per kind, collected once.

Registering a kind is one line in `KINDS` (see docs/architecture.md, "Adding a kind").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kairos.domain.payloads import KindRulebook
from kairos.domain.schedules import Kind
from kairos.kinds.callback.spec import CALLBACK
from kairos.kinds.scrape.spec import SCRAPE
from kairos.kinds.spec import KindRunner, KindServices, KindSpec
from kairos.kinds.task.spec import TASK
from kairos.store.base import Store


class KindCatalog:
    """Kind specs by kind, and what the rest of Kairos derives from them."""

    def __init__(self, specs: Iterable[KindSpec]) -> None:
        self._specs: dict[Kind, KindSpec] = {}
        self.fields: dict[str, Any] = {}
        for spec in specs:
            if spec.kind in self._specs:
                raise ValueError(f"kind {spec.kind.value!r} is registered twice")
            for name, annotation in spec.fields.items():
                # A name two kinds share is one field of the API's bodies: it needs one type.
                if name in self.fields and self.fields[name] != annotation:
                    raise ValueError(f"field {name!r} of kind {spec.kind.value!r} has another type "
                                     "in an earlier kind")
                self.fields[name] = annotation
            self._specs[spec.kind] = spec
        self.rulebook = KindRulebook(spec.rules for spec in self._specs.values())
        self.counters: tuple[str, ...] = tuple(dict.fromkeys(
            name for spec in self._specs.values() for name in spec.counters))

    @property
    def specs(self) -> tuple[KindSpec, ...]:
        return tuple(self._specs.values())

    def get(self, kind: str) -> KindSpec | None:
        try:
            return self._specs.get(Kind(kind))
        except ValueError:
            return None

    def check_stored(self, store: Store, workspace_id: str, values: Mapping[str, Any]) -> None:
        """Every kind's check of the sent `values` against stored data (raises `InvalidInput`)."""
        for spec in self._specs.values():
            if spec.check_stored is not None:
                spec.check_stored(store, workspace_id, values)

    def build_runners(self, services: KindServices) -> dict[str, KindRunner]:
        """One runner per kind, built once per process (the Runtime calls this)."""
        return {spec.kind.value: spec.build_runner(services) for spec in self._specs.values()}


KINDS = KindCatalog([TASK, CALLBACK, SCRAPE])
