"""Every migration runs on SQLite and PostgreSQL, and the migrated schema is exactly the models'."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage import downgrade, is_up_to_date, make_engine, upgrade
from storage.migrate import current_revision, head_revision


def test_schema_matches_models_after_upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    assert is_up_to_date(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_downgrade_to_base_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert "checkin" in inspect(engine).get_table_names()
