"""`moodwave db`: database schema migrations."""

from __future__ import annotations

import argparse

from bot.cli.subcommands import Subcommands
from bot.settings import Settings
from storage import make_engine
from storage.migrate import current_revision, downgrade, head_revision, upgrade


def add_to(sub: Subcommands) -> None:
    db = sub.add_parser("db", help="database schema migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser(
        "upgrade", help="migrate the database to the latest schema (or --revision)"
    )
    up.add_argument("--revision", default="head", help="the schema revision to reach")
    up.set_defaults(handler=_db_upgrade)
    down = db_sub.add_parser("downgrade", help="migrate the database back to a revision")
    down.add_argument("revision", help="the schema revision to go back to (see `db current`)")
    down.set_defaults(handler=_db_downgrade)
    cur = db_sub.add_parser(
        "current", help="show the database's schema revision and the latest one"
    )
    cur.set_defaults(handler=_db_current)


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.effective_database_url)
    upgrade(engine, args.revision)
    print(f"database at revision {current_revision(engine)}")
    return 0


def _db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.effective_database_url)
    downgrade(engine, args.revision)
    print(f"database at revision {current_revision(engine)}")
    return 0


def _db_current(_args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.effective_database_url)
    print(f"database: {current_revision(engine) or '(empty)'}; latest: {head_revision()}")
    return 0
