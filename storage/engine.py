"""Database engines: SQLite (the embedded default: WAL, foreign keys on, a busy timeout so the
check-in job and the chat can write at once) and PostgreSQL, from one URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import create_engine


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, echo=echo, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        if not url.startswith("postgresql"):
            raise
        raise ModuleNotFoundError(
            f"PostgreSQL needs its driver ({exc.name}), an optional part of moodwave: "
            "pip install 'moodwave[postgres]'",
            name=exc.name,
        ) from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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
