"""`moodwave eval-recs`: the rankers evaluated offline on an interaction log."""

from __future__ import annotations

import argparse

from bot.cli.subcommands import Subcommands
from bot.ranker_arguments import add_eval_recs_arguments
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    evaluate_recs = sub.add_parser(
        "eval-recs", help="offline evaluation of the rankers on an interaction log"
    )
    add_eval_recs_arguments(evaluate_recs)
    evaluate_recs.set_defaults(handler=_eval_recs)


def _eval_recs(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ranker_commands import eval_recs

    return eval_recs(args, settings.data_dir)
