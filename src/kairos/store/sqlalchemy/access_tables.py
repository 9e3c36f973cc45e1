"""Tables of people, memberships, browser sessions, sign-in throttling and the audit log."""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401

from kairos.store.sqlalchemy.tables import ID, JSONType, UTCDateTime, metadata  # noqa: F401
