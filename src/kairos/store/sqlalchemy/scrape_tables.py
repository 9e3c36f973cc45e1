"""Tables of strategies, the items of each job, and seen changes."""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401

from kairos.store.sqlalchemy.tables import ID, JSONType, UTCDateTime, metadata  # noqa: F401
