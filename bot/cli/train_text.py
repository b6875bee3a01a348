"""`moodwave train-text`: fine-tune the text mood model on EmoBank."""

from __future__ import annotations

import argparse
import sys

from bot.cli.subcommands import Subcommands
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    train_text = sub.add_parser(
        "train-text", help="fine-tune the text mood model on EmoBank (writes adapter and head)"
    )
    train_text.add_argument("--out", default="nlp/weights/text-va", help="folder for the weights")
    train_text.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a TrainConfig field",
    )
    train_text.set_defaults(handler=_train_text)


def _train_text(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.training import main as train_main

    if settings.data_dir is None:
        print(
            "moodwave train-text: set MOODWAVE_DATA_DIR to the folder holding emobank/",
            file=sys.stderr,
        )
        return 2
    sets = [item for pair in args.set for item in ("--set", pair)]
    train_main(["--data-dir", str(settings.data_dir), "--out", args.out, *sets])
    return 0
