"""`moodwave config`: the effective settings, secrets masked."""

from __future__ import annotations

import argparse
import json

from bot.cli.subcommands import Subcommands
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    config = sub.add_parser("config", help="print the effective settings, secrets masked")
    config.add_argument("--json", action="store_true")
    config.set_defaults(handler=_config)


def _config(args: argparse.Namespace, settings: Settings) -> int:
    shown = settings.masked()
    if args.json:
        print(json.dumps(shown, indent=2))
    else:
        width = max(len(k) for k in shown)
        for key, value in shown.items():
            print(f"MOODWAVE_{key.upper():<{width}}  {value}")
    return 0
