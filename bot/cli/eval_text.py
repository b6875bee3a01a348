"""`moodwave eval-text`: a text model (student or teacher) and its baselines, scored on EmoBank or
on the GoEmotions quadrant measure."""

from __future__ import annotations

import argparse
import sys

from bot.cli.subcommands import Subcommands, add_model_choice
from bot.output import add_json_options, emit_json
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    evaluate = sub.add_parser(
        "eval-text", help="Pearson r and R² of a text model and its baselines on EmoBank"
    )
    evaluate.add_argument(
        "--dataset",
        choices=("emobank", "goemotions-quadrants"),
        default="emobank",
        help="EmoBank (r and R² on a split) or GoEmotions test comments (valence and arousal AUC)",
    )
    evaluate.add_argument(
        "--split", choices=("train", "dev", "test"), default="test", help="EmoBank's split to score"
    )
    add_json_options(evaluate, "the scores")
    evaluate.add_argument("--no-baselines", action="store_true", help="score the model only")
    add_model_choice(evaluate)
    evaluate.set_defaults(handler=_eval_text)


def _eval_text(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_text_model
    from nlp.evaluation import evaluate_quadrants, evaluate_text, format_table

    if settings.data_dir is None:
        print(
            "moodwave eval-text: set MOODWAVE_DATA_DIR to the folder holding emobank/",
            file=sys.stderr,
        )
        return 2
    name = args.model or ("teacher" if settings.text_model == "teacher" else "student")
    model = build_text_model(settings, name)
    if args.dataset == "goemotions-quadrants":
        result = evaluate_quadrants(model, settings.data_dir, not args.no_baselines, name)
    else:
        result = evaluate_text(
            model, settings.data_dir, args.split, baselines=not args.no_baselines, model_name=name
        )
    emit_json(args, result, format_table(result))
    return 0
