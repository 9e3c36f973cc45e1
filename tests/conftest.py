"""Shared fixtures: real databases (SQLite files and PostgreSQL schemas-as-databases)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from kairos.store.sqlalchemy.migrate import upgrade
from kairos.store.sqlalchemy.store import SqlStore

PG_ADMIN_URL = os.environ.get(
    "KAIROS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_SERVICES = os.environ.get("KAIROS_REQUIRE_SERVICES") == "1"


def _postgres_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    if not _postgres_available():
        if REQUIRE_SERVICES:
            pytest.fail(f"PostgreSQL is required (KAIROS_REQUIRE_SERVICES=1) but {PG_ADMIN_URL} "
                        "does not answer")
        pytest.skip("PostgreSQL is not running")
    return PG_ADMIN_URL


def create_postgres_database(admin_url: str) -> str:
    name = f"kairos_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return str(sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False))


def drop_postgres_database(admin_url: str, url: str) -> None:
    name = sa.make_url(url).database
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def migrated_database(kind: str, request: pytest.FixtureRequest,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Yield the URL of a new, empty, migrated database of `kind`; dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'kairos.db'}"
        upgrade(url)
        yield url
        return
    admin = request.getfixturevalue("postgres_admin_url")
    url = create_postgres_database(admin)
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_database(admin, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty, migrated database of each kind; dropped afterwards."""
    yield from migrated_database(request.param, request, tmp_path_factory)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(request: pytest.FixtureRequest,
                        tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database of each kind shared by a module's tests (they must not assume it empty)."""
    yield from migrated_database(request.param, request, tmp_path_factory)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty, migrated PostgreSQL database alone, for what only PostgreSQL deployments do."""
    yield from migrated_database("postgresql", request, tmp_path_factory)


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    s = SqlStore(database_url)
    yield s
    s.close()


# Tests that share one outside resource run on one xdist worker (`--dist loadgroup`): the links'
# Celery workers consume fixed Redis databases and queues, and the browser suite shares one
# `kairos serve` and one Chromium per worker, which is cheaper started once.
SERIAL_GROUPS = (("/tests/integration/links/", "celery"), ("/tests/acceptance/test_cli_links", "celery"),
                 ("/tests/browser/", "browser"))


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups into the node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.as_posix()
        for folder, group in SERIAL_GROUPS:
            if folder in path:
                item.add_marker(pytest.mark.xdist_group(group))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Under `--dist loadgroup` a grouped test's node id must carry its group, or the group is split
    across workers and its tests share one Celery queue at once (seen with pytest 9.2 and xdist 3.8)."""
    if not session.config.getoption("loadgroup", default=False):
        return
    for item in session.items:
        marks = [str(mark.args[0]) for mark in item.iter_markers("xdist_group") if mark.args]
        if marks and not item.nodeid.endswith("@" + "_".join(sorted(set(marks)))):
            raise pytest.UsageError(f"pytest-xdist did not put {item.nodeid} in its group {marks}: "
                                    "the pytest and pytest-xdist versions do not work together")
