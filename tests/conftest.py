"""Shared fixtures: the data directory, and a migrated `Store` on SQLite and on PostgreSQL.

PostgreSQL is a real server (127.0.0.1:5432 on the development machines and in CI). Each test
session creates its own database and drops it at the end. When the server cannot be reached the
PostgreSQL cases fail loudly; set MOODWAVE_TEST_POSTGRES=skip to skip them on purpose.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from storage import Store, make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TABLES = (
    "reaction",
    "checkin",
    "playlist",
    "recommendation_item",
    "recommendation",
    "mood_report",
    "chat",
    '"user"',
    "song",
    "processed_update",
    "spotify_credential",
    "spotify_track_match",
    "deferred_playlist",
)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ.get("MOODWAVE_DATA_DIR") or ROOT.parent / "shared" / "data")
    if not path.is_dir():
        pytest.fail(f"data directory {path} not found: set MOODWAVE_DATA_DIR to ../shared/data")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to the latest schema."""
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


def _truncate_all(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


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
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    engine = make_engine(database_url)
    yield Store(engine)
    engine.dispose()
