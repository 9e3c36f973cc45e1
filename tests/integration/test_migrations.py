"""An empty database upgraded by Alembic has exactly the tables the code declares."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kairos.store.sqlalchemy.tables import metadata


def test_upgraded_schema_matches_the_models(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    from alembic.script import ScriptDirectory

    from kairos.store.sqlalchemy.migrate import alembic_config, upgrade

    upgrade(database_url)
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    engine.dispose()
    assert version == ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
