"""`moodwave eval-text`: a text model (student or teacher) and its baselines, scored on EmoBank or
on the GoEmotions quadrant measure; or any of the text estimators (the English model, the
multilingual one, the two behind the language router) on XED's subtitles in one language."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.subcommands import Subcommands
from bot.output import add_json_options, emit_json
from bot.settings import Settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from nlp.batching import VAPredictor
    from nlp.xed import Predict

XED_MODELS = ("student", "teacher", "multilingual", "routed")


def add_to(sub: Subcommands) -> None:
    evaluate = sub.add_parser(
        "eval-text", help="Pearson r and R² of a text model and its baselines on EmoBank"
    )
    evaluate.add_argument(
        "--dataset",
        choices=("emobank", "goemotions-quadrants", "xed"),
        default="emobank",
        help="EmoBank (r and R² on a split), GoEmotions test comments (valence and arousal AUC) "
        "or XED subtitles in one language (valence and arousal AUC; --lang)",
    )
    evaluate.add_argument(
        "--split", choices=("train", "dev", "test"), default="test", help="EmoBank's split to score"
    )
    evaluate.add_argument(
        "--lang",
        default="en",
        help="XED: the language (ISO 639-1) of the lines; without --file, "
        "xed/Projections/LANG-projections.tsv under the data directory",
    )
    evaluate.add_argument(
        "--file",
        type=Path,
        default=None,
        help="XED: a file in XED's layout (text TAB comma-separated labels 1-8) to score instead",
    )
    evaluate.add_argument(
        "--hint",
        action="store_true",
        help="XED with --model routed: give the router LANG as the person's language (default: "
        "the identifier alone decides)",
    )
    add_json_options(evaluate, "the scores")
    evaluate.add_argument("--no-baselines", action="store_true", help="score the model only")
    evaluate.add_argument(
        "--model",
        choices=XED_MODELS,
        default=None,
        help="student (the distilled MiniLM, English only), teacher (all-mpnet-base-v2), "
        "multilingual (multilingual-e5-small and its head) or routed (English text to "
        "the student or teacher, the rest to the multilingual model; XED only); default: the "
        "model the app uses (MOODWAVE_TEXT_MODEL)",
    )
    evaluate.set_defaults(handler=_eval_text)


def _eval_text(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_text_model
    from nlp.evaluation import evaluate_quadrants, evaluate_text, format_table

    if args.dataset == "xed":
        return _eval_xed(args, settings)
    if settings.data_dir is None:
        print(
            "moodwave eval-text: set MOODWAVE_DATA_DIR to the folder holding emobank/",
            file=sys.stderr,
        )
        return 2
    if args.model == "routed":
        print("moodwave eval-text: --model routed is scored on XED only", file=sys.stderr)
        return 2
    name = args.model or ("teacher" if settings.text_model == "teacher" else "student")
    model: VAPredictor
    if name == "multilingual":
        from nlp.multilingual import MultilingualMoodModel

        model = MultilingualMoodModel.load(
            settings.text_multilingual_weights, settings.torch_threads or None
        )
    else:
        model = build_text_model(settings, name)
    if args.dataset == "goemotions-quadrants":
        result = evaluate_quadrants(model, settings.data_dir, not args.no_baselines, name)
    else:
        result = evaluate_text(
            model, settings.data_dir, args.split, baselines=not args.no_baselines, model_name=name
        )
    emit_json(args, result, format_table(result))
    return 0


def _eval_xed(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.xed import default_path, evaluate_xed, format_xed

    path: Path | None = args.file
    if path is None:
        if settings.data_dir is None:
            print(
                "moodwave eval-text: set MOODWAVE_DATA_DIR to the folder holding xed/, or --file",
                file=sys.stderr,
            )
            return 2
        path = default_path(settings.data_dir, args.lang)
    if not path.is_file():
        print(f"moodwave eval-text: no XED file at {path}", file=sys.stderr)
        return 2
    name = args.model or ("teacher" if settings.text_model == "teacher" else "student")
    predict, version, routed = xed_predictor(settings, name, args.lang if args.hint else None)
    result = evaluate_xed(predict, path, args.lang, name)
    result["model_version"] = version
    if routed is not None:
        result["hint"] = args.lang if args.hint else None
        result["read_as_other_language"] = routed()
    emit_json(args, result, format_xed(result))
    return 0


def xed_predictor(
    settings: Settings, name: str, hint: str | None
) -> tuple[Predict, str, Callable[[], float] | None]:
    """(valence, arousal) rows for the estimator `name`, its version, and for the router the share
    of the last texts it sent to the multilingual model."""
    from bot.app import build_text_model
    from nlp.multilingual import MultilingualMoodModel

    if name in ("student", "teacher"):
        model = build_text_model(settings, name)
        return model.predict, model.version, None
    multilingual = MultilingualMoodModel.load(
        settings.text_multilingual_weights, settings.torch_threads or None
    )
    if name == "multilingual":
        return multilingual.predict, multilingual.version, None
    from nlp.language_id import LanguageIdentifier
    from nlp.router import route_predictions

    english_name = "teacher" if settings.text_model == "teacher" else "student"
    english = build_text_model(settings, english_name)
    identifier = LanguageIdentifier()
    share: list[float] = [0.0]

    def predict(texts: list[str]) -> npt.NDArray[np.float32]:
        rows, other = route_predictions(
            texts, hint, identifier, english.predict, multilingual.predict
        )
        share[0] = round(other / max(len(texts), 1), 4)
        return rows

    return predict, f"{english.version}+{multilingual.version}", lambda: share[0]
