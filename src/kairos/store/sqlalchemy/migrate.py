"""Bring a database to the newest schema with Alembic (run by `kairos migrate` and at start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from kairos.store.sqlalchemy.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply every migration not yet applied; safe to run from several processes at once."""
    database = Database(url)
    try:
        with database.write() as conn:
            if database.is_postgres:
                # Two processes starting together must not both create the tables.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
            config = alembic_config(url)
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    finally:
        database.dispose()
