"""The set-based fire path needs `UPDATE … FROM` (SQLite 3.33): an older library is refused at start
with a message that says what to do, instead of a store that serves the API but never fires."""

from __future__ import annotations

import pytest

from kairos.exceptions import KairosError
from kairos.store.sqlalchemy.database import check_sqlite_version


@pytest.mark.parametrize("version", ["3.33.0", "3.37.2", "3.40.1", "3.45.10"])
def test_libraries_with_update_from_are_accepted(version: str) -> None:
    check_sqlite_version(version)


@pytest.mark.parametrize("version", ["3.32.3", "3.31.1", "3.7.17"])
def test_older_libraries_are_refused_naming_the_version(version: str) -> None:
    with pytest.raises(KairosError, match=rf"SQLite {version} is too old.*3\.33\.0.*PostgreSQL"):
        check_sqlite_version(version)
