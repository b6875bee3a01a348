"""Database engines: SQLite (the embedded default: WAL, foreign keys on, a busy timeout so the
check-in job and the chat can write at once) and PostgreSQL, from one URL.

Nothing waits on the database for ever (`DatabaseTimeouts`): a server that accepts the connection
and never answers fails the connect after `connect_s`; on PostgreSQL a statement is cancelled by the
server after `statement_s` (a lock held elsewhere, a runaway query), and TCP keepalives and a TCP
user timeout close a connection to a peer that has gone from the network. A server that is alive
enough to acknowledge packets but never answers (stopped, wedged) is noticed only by the caller's
own deadline: the bot's core deadline (`bot.core_process`) replaces a core stuck on it.

Statement parameters are people's words (their messages, names): `hide_parameters` keeps them out
of the text of database errors, and so out of the logs that record those errors.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlmodel import create_engine

# A connection with no traffic is probed after this many seconds, then every few seconds; after
# KEEPALIVE_COUNT unanswered probes the kernel closes it (a peer gone from the network).
KEEPALIVE_IDLE_S = 10
KEEPALIVE_INTERVAL_S = 5
KEEPALIVE_COUNT = 3


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long a connection may take to open, and one statement to run (None: no limit, for
    migrations and exports). On SQLite `statement_s` is the busy timeout: how long a write waits
    for another connection's lock before it fails with "database is locked"."""

    connect_s: float = 10.0
    statement_s: float | None = None


def make_engine(url: str, echo: bool = False, timeouts: DatabaseTimeouts | None = None) -> Engine:
    timeouts = timeouts or DatabaseTimeouts()
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        busy_s = timeouts.statement_s if timeouts.statement_s is not None else 10.0
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": busy_s},
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_s))
        return engine
    try:
        return create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            pool_pre_ping=True,
            connect_args=postgres_connect_args(url, timeouts),
        )
    except ModuleNotFoundError as exc:
        if not url.startswith("postgresql"):
            raise
        raise ModuleNotFoundError(
            f"PostgreSQL needs its driver ({exc.name}), an optional part of moodwave: "
            "pip install 'moodwave[postgres]'",
            name=exc.name,
        ) from exc


def database_unavailable(error: BaseException) -> bool:
    """Whether an error says the database did not answer in time or could not be reached (worth a
    retry later), not that a statement was wrong: a failed or timed-out connect, a cancelled
    statement, a lost connection, no free connection in the pool, SQLite's "database is locked"."""
    seen: BaseException | None = error
    for _ in range(8):  # the error itself, or what it was raised from
        if seen is None:
            return False
        if isinstance(seen, sa_exc.TimeoutError):  # the pool had no connection to give
            return True
        if isinstance(seen, sa_exc.DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, sa_exc.OperationalError):
            if isinstance(seen.orig, sqlite3.OperationalError):  # also "no such table": no retry
                message = str(seen.orig).lower()
                return "locked" in message or "busy" in message
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def postgres_connect_args(url: str, timeouts: DatabaseTimeouts) -> dict[str, Any]:
    """libpq's connection parameters for the timeouts (psycopg and psycopg2 take the same). The
    statement timeout rides in `options`, after any the URL already gives."""
    args: dict[str, Any] = {
        # libpq counts whole seconds and treats anything under 2 as 2.
        "connect_timeout": max(2, math.ceil(timeouts.connect_s)),
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE_S,
        "keepalives_interval": KEEPALIVE_INTERVAL_S,
        "keepalives_count": KEEPALIVE_COUNT,
    }
    if timeouts.statement_s:
        milliseconds = max(1, round(timeouts.statement_s * 1000))
        given = make_url(url).query.get("options") or ""
        if not isinstance(given, str):  # the parameter given twice: the last one counts
            given = given[-1]
        args["options"] = f"{given} -c statement_timeout={milliseconds}".strip()
        # Sent data a peer never acknowledges (it left the network) closes the connection too.
        args["tcp_user_timeout"] = milliseconds
    return args


def _sqlite_pragmas(busy_s: float) -> Any:
    busy_ms = max(0, round(busy_s * 1000))

    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return pragmas


def _ensure_sqlite_folder(url: str) -> None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        Path(url[len(prefix) :]).expanduser().parent.mkdir(parents=True, exist_ok=True)


def missing_sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, when there is none (a command that only reads refuses, rather
    than connecting, which would create an empty database); None for other URLs."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or ":memory:" in url:
        return None
    path = Path(url[len(prefix) :].split("?", 1)[0]).expanduser()
    return None if path.is_file() else path


def reachable(engine: Engine) -> bool:
    """Whether the database answers a trivial query now (the bot's readiness check)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any driver's failure to connect or to answer
        return False
    return True
