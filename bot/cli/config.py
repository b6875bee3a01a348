"""`moodwave config`: the effective settings, secrets masked."""

from __future__ import annotations

import argparse

from bot.cli.subcommands import Subcommands
from bot.output import add_json_options, emit_json
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    config = sub.add_parser("config", help="print the effective settings, secrets masked")
    add_json_options(config, "the settings")
    config.set_defaults(handler=_config)


def _config(args: argparse.Namespace, settings: Settings) -> int:
    shown = settings.masked()
    width = max(len(k) for k in shown)
    lines = [f"MOODWAVE_{key.upper():<{width}}  {value}" for key, value in shown.items()]
    emit_json(args, shown, "\n".join(lines))
    return 0
