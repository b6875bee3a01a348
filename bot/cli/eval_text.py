"""`moodwave eval-text`: the text model and its baselines scored on EmoBank."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.subcommands import Subcommands
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    evaluate = sub.add_parser(
        "eval-text", help="Pearson r and R² of the text model and its baselines on EmoBank"
    )
    evaluate.add_argument("--dataset", choices=("emobank",), default="emobank")
    evaluate.add_argument("--split", choices=("train", "dev", "test"), default="test")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--no-baselines", action="store_true", help="score the model only")
    evaluate.set_defaults(handler=_eval_text)


def _eval_text(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_text_model
    from nlp.evaluation import evaluate_text, format_table

    if settings.data_dir is None:
        print(
            "moodwave eval-text: set MOODWAVE_DATA_DIR to the folder holding emobank/",
            file=sys.stderr,
        )
        return 2
    result = evaluate_text(
        build_text_model(settings), settings.data_dir, args.split, baselines=not args.no_baselines
    )
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    return 0
