"""What `moodwave <command> --help` shows: what the command does, each option with its default,
and one example. `finish` applies it to every subcommand once all are added."""

from __future__ import annotations

import argparse
from importlib import metadata

EXAMPLES = {
    "run": "moodwave run",
    "chat": "moodwave chat --user ann",
    "config": "moodwave config --json",
    "worker": "MOODWAVE_WORKER_TOKEN=<secret> moodwave worker --host 0.0.0.0 --port 8800",
    "analyze": 'moodwave analyze "I feel great today"',
    "train-text": "moodwave train-text --out nlp/weights/text-va --set epochs=3",
    "eval-text": "moodwave eval-text --split dev --json",
    "models": "moodwave models fetch mpnet",
    "models fetch": "moodwave models fetch mpnet",
    "models list": "moodwave models list",
    "catalog": "moodwave catalog import",
    "catalog import": "moodwave catalog import --source csv songs.csv "
    "--map track_id=id,name=title,artist=artist,valence=val,arousal=energy --scale valence=0:1",
    "spotify": "moodwave spotify login",
    "spotify login": "moodwave spotify login",
    "train-ranker": "moodwave train-ranker --epochs 5",
    "eval-recs": "moodwave eval-recs --preset hetrec --max-users 50 --output recs.json",
    "export": "moodwave export --out study/ --format parquet",
    "report": "moodwave report --out study/ --input study/recommendations.csv",
    "db": "moodwave db upgrade",
    "db upgrade": "moodwave db upgrade",
    "db downgrade": "moodwave db downgrade 0001",
    "db current": "moodwave db current",
}


def version() -> str:
    try:
        return metadata.version("moodwave")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Each option's help ends with its default, unless the help already speaks of it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if default in (None, False, argparse.SUPPRESS) or default == [] or "default" in text:
            return text
        return f"{text} (default: %(default)s)"


def finish(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> None:
    """Give every subcommand under `parser` its description, the formatter and its example."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        summaries = {choice.dest: choice.help for choice in action._choices_actions}
        for name, sub in action.choices.items():
            full = (*path, name)
            sub.formatter_class = HelpFormatter
            sub.description = sub.description or summaries.get(name)
            sub.epilog = f"example:\n  {EXAMPLES[' '.join(full)]}"
            finish(sub, full)
