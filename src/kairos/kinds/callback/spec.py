"""The `callback` kind's spec."""

from __future__ import annotations

from kairos.domain.schedules import Kind
from kairos.kinds.callback.fields import FIELDS, callback_name, check_callback
from kairos.kinds.callback.run import CallbackRunner
from kairos.kinds.spec import KindSpec

CALLBACK = KindSpec(
    kind=Kind.CALLBACK,
    description="Call a registered workflow, or POST the fire event to a URL.",
    fields=FIELDS,
    check=check_callback,
    default_name=callback_name,
    build_runner=CallbackRunner.build,
)
