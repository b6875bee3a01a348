"""`moodwave train-text`: fine-tune a text mood model on EmoBank (the MiniLM, or the teacher with
`--base mpnet`), or distil the teacher into the MiniLM student (`--distill`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.cli.subcommands import Subcommands
from bot.output import add_json_options, emit_json
from bot.settings import Settings
from nlp.model_fetch import MPNET


def add_to(sub: Subcommands) -> None:
    train_text = sub.add_parser(
        "train-text", help="fine-tune the text mood model on EmoBank (writes adapter and head)"
    )
    train_text.add_argument(
        "--out", default=None, help="folder for the weights (default: nlp/weights/text-va)"
    )
    train_text.add_argument(
        "--base",
        default=None,
        help="the encoder to adapt: 'minilm' (the installed all-MiniLM-L6-v2, default), 'mpnet' "
        "(all-mpnet-base-v2 from `moodwave models fetch mpnet`: the teacher), a folder or a hub name",
    )
    train_text.add_argument(
        "--distill",
        action="store_true",
        help="train the student from the teacher (MOODWAVE_TEXT_TEACHER_*): the teacher labels "
        "GoEmotions' and EmoBank's train texts (cached under $MOODWAVE_HOME/cache), the student "
        "learns from those labels and EmoBank's gold ratings",
    )
    train_text.add_argument(
        "--multilingual",
        action="store_true",
        help="train the multilingual model's head instead (e5 vectors of EmoBank train to V and "
        "A, chosen on dev; --out defaults to nlp/weights/text-va-multilingual; the vectors are "
        "cached under $MOODWAVE_HOME/cache/e5)",
    )
    train_text.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a TrainConfig field",
    )
    add_json_options(train_text, "the dev and test scores")
    train_text.set_defaults(handler=_train_text)


def _train_text(args: argparse.Namespace, settings: Settings) -> int:
    import torch

    from nlp.train_config import parse_overrides
    from nlp.training import train_text_model

    if settings.data_dir is None:
        print(
            "moodwave train-text: set MOODWAVE_DATA_DIR to the folder holding emobank/",
            file=sys.stderr,
        )
        return 2
    if args.multilingual:
        from nlp.train_multilingual import train

        out = Path(args.out or "nlp/weights/text-va-multilingual")
        metrics = train(settings.data_dir, out, settings.cache_dir / "e5")
        emit_json(args, {"dev": metrics["dev"], "version": metrics["version"]})
        return 0
    args.out = args.out or "nlp/weights/text-va"
    base = args.base
    if base == "mpnet":
        base = str(MPNET.path(settings.models_dir))
        if not Path(base).is_dir():
            print("moodwave train-text: run `moodwave models fetch mpnet` first", file=sys.stderr)
            return 2
    if args.distill:
        return _distill(args, settings, base)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(2)
    metrics = train_text_model(
        settings.data_dir,
        Path(args.out),
        parse_overrides(args.set),
        base=None if base in (None, "minilm") else base,
    )
    emit_json(args, {"dev": metrics["dev"], "test": metrics["test"]})
    return 0


def _distill(args: argparse.Namespace, settings: Settings, base: str | None) -> int:
    import torch

    from bot.app import build_text_model
    from nlp.distill import distil

    assert settings.data_dir is not None
    torch.set_num_threads(2)
    teacher = build_text_model(settings, "teacher")
    cache = settings.cache_dir / f"teacher-labels-{teacher.version}.npz"
    student_base = None if base in (None, "minilm") else base
    metrics = distil(settings.data_dir, Path(args.out), teacher, args.set, cache, base=student_base)
    emit_json(args, {"dev": metrics["dev"], "test": metrics["test"]})
    return 0
