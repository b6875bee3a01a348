"""`moodwave run`: the served bots when a platform's token is set, else the console chat."""

from __future__ import annotations

import argparse

from bot.adapters import enabled_platforms
from bot.cli.chat import _chat
from bot.cli.subcommands import Subcommands
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    run = sub.add_parser(
        "run", help="start the bot: Telegram/Discord when a token is set, else the console chat"
    )
    run.add_argument("--user", help="console user name (default: your login name)")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if not enabled_platforms(settings):
        return _chat(args, settings)
    if settings.telegram_token is not None and settings.telegram_webhook_url:
        from bot.adapters.telegram.adapter import webhook_secret

        webhook_secret(settings)  # refused before anything starts
    from bot.serve import run_bots

    return run_bots(settings)
