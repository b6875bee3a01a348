"""The command-line arguments of `moodwave train-ranker` and `moodwave eval-recs`, apart from
their implementation (`bot.ranker_commands`, which loads torch): building the parser stays light."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.output import add_json_options
from recommender.rankers import RANKERS
from recommender.study_names import HETREC_SEED, SITUNES_SPLITS


def add_train_ranker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--epochs", type=int, default=None, help="training passes (default: the model config's)"
    )


def add_eval_recs_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--preset",
        choices=["hetrec", "situnes"],
        help="a built-in study instead of files: hetrec (simulated moods), situnes (real ratings)",
    )
    parser.add_argument(
        "--splits",
        default=",".join(SITUNES_SPLITS),
        help=f"situnes: comma-separated subset of {','.join(SITUNES_SPLITS)}",
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="situnes: judge on a validation slice of each training part, never the test part",
    )
    parser.add_argument(
        "--widedeep-config",
        type=Path,
        help="JSON of Wide & Deep hyperparameters (situnes default: widedeep/presets/situnes.json)",
    )
    parser.add_argument("--interactions", type=Path, help="interaction log CSV (see docs)")
    parser.add_argument("--catalog", type=Path, help="catalog CSV (see docs)")
    parser.add_argument("--test-interactions", type=Path, help="test log CSV (default: last 20%%)")
    parser.add_argument("--positive-threshold", type=float, default=4.0, help="rating => like")
    add_json_options(parser, "the report", legacy_file=True)
    parser.add_argument("--max-users", type=int, help="preset: only the first N people")
    parser.add_argument("--seed", type=int, default=HETREC_SEED, help="preset: simulation seed")
    parser.add_argument(
        "--rankers",
        default=",".join(RANKERS),
        help=f"comma-separated subset of {','.join(RANKERS)}",
    )
    parser.add_argument("--export", type=Path, help="preset: also write its two CSVs here")
