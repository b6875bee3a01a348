"""The `moodwave` command: run the bot, chat on the console, show settings, migrate the database."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from bot.settings import Settings
from storage import make_engine
from storage.datasets import DatasetUnavailable
from storage.migrate import current_revision, downgrade, head_revision, upgrade

log = logging.getLogger("moodwave")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"moodwave: a setting is invalid:\n{_settings_errors(exc)}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO)
        if args.command not in ("chat", "run")
        else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        return handler(args, settings)
    except DatasetUnavailable as exc:
        print(f"moodwave: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from bot.app import ConfigurationError

        if isinstance(exc, ConfigurationError):
            print(f"moodwave: {exc}", file=sys.stderr)
            return 2
        raise


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moodwave", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run", help="start the bot: Telegram/Discord when a token is set, else the console chat"
    )
    run.add_argument("--user", help="console user name (default: your login name)")
    run.set_defaults(handler=_run)

    chat = sub.add_parser(
        "chat", help="chat with Moodwave in this terminal (reads stdin, so it can be scripted)"
    )
    chat.add_argument("--user", help="console user name (default: your login name)")
    chat.set_defaults(handler=_chat)

    config = sub.add_parser("config", help="print the effective settings, secrets masked")
    config.add_argument("--json", action="store_true")
    config.set_defaults(handler=_config)

    db = sub.add_parser("db", help="database schema migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser(
        "upgrade", help="migrate the database to the latest schema (or --revision)"
    )
    up.add_argument("--revision", default="head")
    up.set_defaults(handler=_db_upgrade)
    down = db_sub.add_parser("downgrade", help="migrate the database back to a revision")
    down.add_argument("revision")
    down.set_defaults(handler=_db_downgrade)
    cur = db_sub.add_parser(
        "current", help="show the database's schema revision and the latest one"
    )
    cur.set_defaults(handler=_db_current)
    return parser


def _run(args: argparse.Namespace, settings: Settings) -> int:
    for name, token in (("Telegram", settings.telegram_token), ("Discord", settings.discord_token)):
        if token is not None:
            print(
                f"moodwave: MOODWAVE_{name.upper()}_TOKEN is set, but this version has no {name} "
                "adapter yet. Unset it to use the console chat.",
                file=sys.stderr,
            )
            return 2
    return _chat(args, settings)


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adapters.console import ConsoleChat
    from bot.app import build_app
    from bot.checkins import CheckInJob, start_scheduler

    print("moodwave> Loading the catalog and the mood model...", flush=True)
    app = build_app(settings)

    def make_job(chat_id: str, deliver: Callable[..., None]) -> CheckInJob:
        return CheckInJob(
            app.store,
            app.conversation,
            "console",
            deliver,
            settings.checkin_answer_window,
            chat_external_id=chat_id,
        )

    console = ConsoleChat(app.conversation, make_job, user_name=args.user)
    scheduler = start_scheduler(console.job, settings.checkin_poll_seconds)
    try:
        return console.run()
    finally:
        scheduler.shutdown(wait=False)


def _config(args: argparse.Namespace, settings: Settings) -> int:
    shown = settings.masked()
    if args.json:
        print(json.dumps(shown, indent=2))
    else:
        width = max(len(k) for k in shown)
        for key, value in shown.items():
            print(f"MOODWAVE_{key.upper():<{width}}  {value}")
    return 0


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


def _settings_errors(exc: ValidationError) -> str:
    # Show the field and the problem, never the offending value (it may be a secret).
    return "\n".join(
        f"  MOODWAVE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
    )


if __name__ == "__main__":
    sys.exit(main())
