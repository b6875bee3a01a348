"""Database engines keep statement parameters (people's words) out of their errors, and so out of
the logs that record those errors, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import traceback

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage import make_engine

WORDS = "my private diary entry about feeling low"


def test_a_failed_statement_does_not_show_its_parameters(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(DBAPIError) as failed, engine.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table WHERE note = :note"), {"note": WORDS})
    finally:
        engine.dispose()
    shown = "".join(traceback.format_exception(failed.value))
    assert "no_such_table" in shown  # the statement is still there to debug with
    assert WORDS not in shown
    logging.getLogger("test").error("could not answer", exc_info=failed.value)
    assert "no_such_table" in caplog.text and WORDS not in caplog.text
