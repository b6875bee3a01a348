"""Shared fixtures: the data directory, and a migrated `Store` on SQLite and on PostgreSQL.

PostgreSQL is a real server (127.0.0.1:5432 on the development machines and in CI). Each test
session creates its own database and drops it at the end; each test that asks for it
(`postgres_url`, `database_url`, `store`) gets it emptied first, so the tests pass in any order
(`make pytest` shuffles them). When the server cannot be reached the
PostgreSQL cases fail loudly; set MOODWAVE_TEST_POSTGRES=skip to skip them on purpose.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from storage import Store, make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(autouse=True)
def _root_logger_as_it_was() -> Iterator[None]:
    """`moodwave` commands run in-process (`bot.cli.main`) set the root logger's level and add
    filters to its handlers; the next test gets them back as they were."""
    root = logging.getLogger()
    level, filters = root.level, {handler: list(handler.filters) for handler in root.handlers}
    yield
    root.setLevel(level)
    for handler in root.handlers:
        handler.filters = filters.get(handler, [])


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ.get("MOODWAVE_DATA_DIR") or ROOT.parent / "shared" / "data")
    if not path.is_dir():
        pytest.fail(f"data directory {path} not found: set MOODWAVE_DATA_DIR to ../shared/data")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to the latest schema. Tests ask
    for `postgres_url` instead, which empties it first."""
    if os.environ.get("MOODWAVE_TEST_POSTGRES", "").lower() == "skip":
        pytest.skip("PostgreSQL tests skipped on purpose (MOODWAVE_TEST_POSTGRES=skip)")
    admin_url = make_url(os.environ.get("MOODWAVE_TEST_POSTGRES_URL", DEFAULT_PG))
    name = f"moodwave_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.fail(
            f"PostgreSQL at {admin_url.render_as_string(hide_password=True)} is unreachable "
            f"({type(exc).__name__}: {exc}). The suite runs on SQLite AND PostgreSQL; start the "
            "server, point MOODWAVE_TEST_POSTGRES_URL at one, or set MOODWAVE_TEST_POSTGRES=skip.",
            pytrace=False,
        )
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """The session's PostgreSQL database, emptied for this test: whatever an earlier test left
    (people, update claims and their leases, check-ins) is gone, so no test depends on which ran
    before it. A fake Telegram numbers its updates from 1 each time: a claim left behind made the
    next test's first update look like a redelivery, dropped unanswered."""
    engine = make_engine(postgres_database)
    try:
        empty_all_tables(engine)
    finally:
        engine.dispose()
    return postgres_database


def empty_all_tables(engine: Engine) -> None:
    """Every table but the migrations' bookkeeping emptied, its ids restarted (the tables are
    read from the database, so a table a new migration adds is emptied too)."""
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    quoted = ", ".join(f'"{t}"' for t in tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each back end."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'moodwave.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    yield request.getfixturevalue("postgres_url")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    engine = make_engine(database_url)
    yield Store(engine)
    engine.dispose()
