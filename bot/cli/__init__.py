"""The `moodwave` command: run the bot, chat on the console, show settings, migrate the database."""

# One module per subcommand: each adds its parser (`add_to`) and holds its handler.

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from bot.adapters import enabled_platforms
from bot.cli import (
    analyze,
    catalog,
    chat,
    config,
    db,
    eval_recs,
    eval_text,
    models,
    research,
    run,
    spotify,
    train_ranker,
    train_text,
    usage,
    worker,
)
from bot.logs import configure_logging
from bot.settings import Settings
from datafiles import DatasetUnavailable

SUBCOMMANDS = (
    run,
    chat,
    config,
    worker,
    analyze,
    train_text,
    eval_text,
    models,
    catalog,
    spotify,
    train_ranker,
    eval_recs,
    research,
    db,
)  # in the order `moodwave --help` lists them


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"moodwave: a setting is invalid:\n{_settings_errors(exc)}", file=sys.stderr)
        return 2
    configure_logging(_log_level(args.command, settings), settings)
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        return handler(args, settings)
    except DatasetUnavailable as exc:
        print(f"moodwave: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    except ModuleNotFoundError as exc:
        if "pip install 'moodwave[" not in str(exc):
            raise
        print(f"moodwave: {exc}", file=sys.stderr)  # an optional part is not installed
        return 2
    except Exception as exc:
        from bot.app import ConfigurationError

        if isinstance(exc, ConfigurationError):
            print(f"moodwave: {exc}", file=sys.stderr)
            return 2
        raise


def _log_level(command: str, settings: Settings) -> int:
    """`MOODWAVE_LOG_LEVEL`, but warnings only for the console chat (its log would be mixed into
    the conversation), also when `moodwave run` falls back to it."""
    if command == "chat" or (command == "run" and not enabled_platforms(settings)):
        return logging.WARNING
    level: int = getattr(logging, settings.log_level.upper(), logging.INFO)
    return level


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moodwave",
        description=__doc__,
        epilog="`moodwave COMMAND --help` shows a command's options, defaults and an example; "
        "exit codes: README.md, The command line.",
    )
    parser.add_argument("--version", action="version", version=f"moodwave {usage.version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.add_to(sub)
    usage.finish(parser)
    return parser


def _settings_errors(exc: ValidationError) -> str:
    # Show the field and the problem, never the offending value (it may be a secret).
    return "\n".join(
        f"  MOODWAVE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
    )
