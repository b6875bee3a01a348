"""What each subcommand module adds its parser to (`add_to(sub)`)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TypeAlias

from bot.settings import Settings

if TYPE_CHECKING:
    Subcommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # not subscriptable at run time
    Subcommands = argparse._SubParsersAction


def add_model_choice(parser: argparse.ArgumentParser) -> None:
    """`--model student|teacher` for the commands that read moods."""
    parser.add_argument(
        "--model",
        choices=("student", "teacher"),
        default=None,
        help="the distilled MiniLM (student) or the all-mpnet-base-v2 teacher; default: the model "
        "the app uses (MOODWAVE_TEXT_MODEL)",
    )


def with_model(settings: Settings, model: str | None) -> Settings:
    """The settings with `--model` applied (unchanged when it was not given)."""
    return settings if model is None else settings.model_copy(update={"text_model": model})
