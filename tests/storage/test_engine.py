"""Nothing waits on the database for ever: a server that accepts the connection and never answers
fails the connect, a statement held up by a lock elsewhere is cancelled (PostgreSQL's statement
timeout, SQLite's busy timeout), and such errors read as "the database did not answer" (worth a
retry later), unlike a wrong statement. And engines keep statement parameters (people's words) out
of their errors, and so out of the logs that record those errors, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from storage import DatabaseTimeouts, Store, database_unavailable, make_engine

WORDS = "my private diary entry about feeling low"
GENEROUS_S = 120  # far beyond the timeouts under test: only a hang gets there


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections (the kernel completes them) and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield server.getsockname()[1]


def outcome(call: Callable[[], Any]) -> BaseException | None:
    """Run `call` in a thread: the error it ended with (None: it returned). Fails if it hangs."""
    ended: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            ended.append(None)
        except BaseException as exc:
            ended.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(GENEROUS_S)
    assert ended, "the call hung: nothing bounds the wait on the database"
    return ended[0]


def test_a_database_that_accepts_and_never_answers_fails_the_connect(silent_port: int) -> None:
    url = f"postgresql+psycopg://moodwave@127.0.0.1:{silent_port}/moodwave"
    store = Store(make_engine(url, timeouts=DatabaseTimeouts(connect_s=2, statement_s=2)))
    error = outcome(lambda: store.claim_update("telegram", "1"))
    assert error is not None and database_unavailable(error)
    store.engine.dispose()


@pytest.mark.postgres
def test_a_statement_held_up_by_a_lock_is_cancelled(postgres_url: str) -> None:
    holder = make_engine(postgres_url)
    waiter = Store(make_engine(postgres_url, timeouts=DatabaseTimeouts(statement_s=0.5)))
    with holder.connect() as conn:
        conn.execute(text("LOCK TABLE processed_update IN ACCESS EXCLUSIVE MODE"))
        error = outcome(lambda: waiter.claim_update("telegram", "locked"))
        conn.rollback()
    assert error is not None and database_unavailable(error)
    assert "statement timeout" in str(error)
    assert waiter.claim_update("telegram", "locked")  # the lock gone, the same call goes through
    holder.dispose()
    waiter.engine.dispose()


def test_sqlite_waits_for_another_writer_only_as_long_as_its_busy_timeout(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = make_engine(url, timeouts=DatabaseTimeouts(statement_s=0.25))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 250
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.commit()
    other = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:

        def write() -> None:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (1)"))

        error = outcome(write)
        assert error is not None and database_unavailable(error)
        assert "locked" in str(error)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert outcome(write) is None  # the lock gone, the write goes through
    engine.dispose()


def test_a_wrong_statement_is_not_an_unavailable_database(database_url: str) -> None:
    store = Store(make_engine(database_url, timeouts=DatabaseTimeouts(statement_s=5)))
    with store.engine.connect() as conn:
        missing = outcome(lambda: conn.execute(text("SELECT * FROM no_such_table")))
    assert missing is not None and not database_unavailable(missing)
    store.claim_update("telegram", "1")
    with store.engine.connect() as conn:
        duplicate = outcome(
            lambda: conn.execute(
                text(
                    "INSERT INTO processed_update (platform, update_id, status, created_at)"
                    " VALUES ('telegram', '1', 'done', CURRENT_TIMESTAMP)"
                )
            )
        )
    assert isinstance(duplicate, IntegrityError) and not database_unavailable(duplicate)
    store.engine.dispose()


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
