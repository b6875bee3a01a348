"""`moodwave analyze`: score one text, or a whole JSON-lines file streamed in batches, for research.

Each input line is a JSON object with a `text` field; it is written back, in order, with `valence`,
`arousal`, `confidence`, `model_version` and `truncated` added. A line that is not such an object is
written back as `{"line": N, "error": "..."}`, so the output always has one line per input line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from bot.cli.subcommands import Subcommands, add_model_choice, with_model
from bot.settings import Settings
from nlp import Mood, MoodEstimator


def add_to(sub: Subcommands) -> None:
    analyze = sub.add_parser(
        "analyze", help="valence and arousal of a text, or of JSON lines on stdin (--jsonl)"
    )
    analyze.add_argument("text", nargs="?", help="the text to analyse")
    analyze.add_argument(
        "--jsonl",
        action="store_true",
        help='read one JSON object with a "text" field per line from stdin, write each back '
        "with valence, arousal, confidence, model_version and truncated added",
    )
    analyze.add_argument("--batch", type=int, default=256, help="lines per model batch")
    analyze.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the JSON (the object, or the lines) to FILE instead of standard output",
    )
    add_model_choice(analyze)
    analyze.set_defaults(handler=_analyze)


def _analyze(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_estimator

    if args.jsonl == (args.text is not None):
        print("moodwave analyze: give a text, or --jsonl with lines on stdin", file=sys.stderr)
        return 2
    estimator = build_estimator(with_model(settings, args.model))
    with _destination(args.output) as out:
        if args.jsonl:
            analyze_jsonl(estimator, sys.stdin, out, args.batch)
        else:
            out.write(json.dumps(analyze_text(estimator, args.text), ensure_ascii=False) + "\n")
    return 0


@contextmanager
def _destination(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8") as out:
        yield out


def analyze_text(estimator: MoodEstimator, text: str) -> dict[str, Any]:
    return {"text": text, **_fields(estimator.estimate(text))}


def analyze_jsonl(estimator: MoodEstimator, lines: Iterable[str], out: TextIO, batch: int) -> int:
    """Stream `lines` through the estimator in batches; returns how many lines were written."""
    written = 0
    numbered = enumerate(lines, start=1)
    for chunk in _chunks(numbered, max(1, batch)):
        parsed = [(number, _parse(number, line)) for number, line in chunk]
        texts = [obj["text"] for _, obj in parsed if "error" not in obj]
        moods = iter(estimator.estimate_many(texts)) if texts else iter(())
        for _, obj in parsed:
            if "error" not in obj:
                obj.update(_fields(next(moods)))
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
            written += 1
        out.flush()
    return written


def _parse(number: int, line: str) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"line": number, "error": f"not JSON: {exc.msg}"}
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return {"line": number, "error": 'expected an object with a "text" string'}
    return obj


def _fields(mood: Mood) -> dict[str, Any]:
    return {
        "valence": round(mood.valence, 4),
        "arousal": round(mood.arousal, 4),
        "confidence": round(mood.confidence, 4),
        "model_version": mood.model_version,
        "truncated": mood.truncated,
    }


def _chunks(items: Iterator[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    while chunk := list(islice(items, size)):
        yield chunk
