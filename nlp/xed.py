"""XED (Öhman et al. 2020): movie subtitle lines labelled with Plutchik's eight emotions, English
and Finnish by annotators, 41 other languages projected from them through aligned subtitles. The
measure of `moodwave eval-text --dataset xed`: how well a text model's valence and arousal order
lines by the emotion they were labelled with, in one language.

A file in XED's layout has one line per subtitle, `text<TAB>labels`, the labels comma-separated
numbers in the alphabetical order of the emotions' names (the dataset's README): 1 anger,
2 anticipation, 3 disgust, 4 fear, 5 joy, 6 sadness, 7 surprise, 8 trust (0, neutral, in some
files). Only lines with exactly one of the eight emotions count:

- `valence_auc`: joy and trust (pleasant) against anger, disgust, fear and sadness (unpleasant),
  ranked by predicted valence;
- `arousal_auc`: anger, fear and surprise (excited) against sadness and trust (calm), ranked by
  predicted arousal.

Anticipation is in neither. Without `--file`, a language's lines are
`xed/Projections/<lang>-projections.tsv` under the data directory (English too, so every language is
measured on the same projected subtitles; the larger `AnnotatedData/en-annotated.tsv` and
`fi-annotated.tsv` are read with `--file`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.scores import auc

EMOTIONS = ("anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust")
PLEASANT = ("joy", "trust")
UNPLEASANT = ("anger", "disgust", "fear", "sadness")
EXCITED = ("anger", "fear", "surprise")
CALM = ("sadness", "trust")
PROJECTIONS = "xed/Projections/{lang}-projections.tsv"

Predict = Callable[[list[str]], npt.NDArray[np.float32]]


@dataclass(frozen=True)
class XedLines:
    """The lines with exactly one of the eight emotions, and that emotion's name for each."""

    texts: list[str]
    emotions: list[str]
    skipped: int = 0  # lines not in the layout (`read_single_emotion`)


def default_path(data_dir: Path, lang: str) -> Path:
    return Path(data_dir) / PROJECTIONS.format(lang=lang)


def read_single_emotion(path: Path) -> XedLines:
    """The lines of an XED-layout file labelled with one emotion only (0, neutral, and lines with
    two or more emotions are left out). A line that is not `text<TAB>labels` is skipped and
    counted: the published en-projections.tsv holds a thousand lines of alignment metadata (six
    tab-separated fields) and a few subtitles broken over two lines."""
    texts: list[str] = []
    emotions: list[str] = []
    skipped = 0
    with Path(path).open(newline="", encoding="utf-8") as f:
        # Subtitles contain quote marks that are text, not CSV quoting.
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if not row or not "".join(row).strip():
                continue
            labels = _labels(row[1]) if len(row) == 2 else None
            if labels is None:
                skipped += 1
            elif len(labels) == 1 and 1 <= (label := next(iter(labels))) <= len(EMOTIONS):
                texts.append(row[0])
                emotions.append(EMOTIONS[label - 1])
    return XedLines(texts, emotions, skipped)


def _labels(field: str) -> set[int] | None:
    try:
        labels = {int(label) for label in field.split(",")}
    except ValueError:
        return None
    return labels if labels and all(0 <= label <= len(EMOTIONS) for label in labels) else None


def scored_lines(lines: XedLines) -> XedLines:
    """Only the lines either measure uses (anticipation alone is in neither)."""
    used = set(PLEASANT + UNPLEASANT + EXCITED + CALM)
    keep = [i for i, emotion in enumerate(lines.emotions) if emotion in used]
    return XedLines(
        [lines.texts[i] for i in keep], [lines.emotions[i] for i in keep], lines.skipped
    )


def emotion_aucs(points: npt.NDArray[np.float64], emotions: list[str]) -> dict[str, Any]:
    """`valence_auc` and `arousal_auc` of (valence, arousal) rows, with the counts on each side."""

    def side(names: tuple[str, ...], column: int) -> npt.NDArray[np.float64]:
        return points[[i for i, e in enumerate(emotions) if e in names], column]

    return {
        "valence_auc": round(auc(side(PLEASANT, 0), side(UNPLEASANT, 0)), 4),
        "arousal_auc": round(auc(side(EXCITED, 1), side(CALM, 1)), 4),
        "n_valence": int(sum(e in PLEASANT + UNPLEASANT for e in emotions)),
        "n_arousal": int(sum(e in EXCITED + CALM for e in emotions)),
    }


def evaluate_xed(predict: Predict, path: Path, lang: str, model: str) -> dict[str, Any]:
    """The XED measure of `predict` on the file at `path` (its lines in language `lang`)."""
    lines = scored_lines(read_single_emotion(path))
    points = predict(lines.texts).astype(np.float64) if lines.texts else np.zeros((0, 2))
    return {
        "dataset": "xed",
        "lang": lang,
        "file": str(path),
        "n": len(lines.texts),
        "skipped_lines": lines.skipped,
        "model": model,
        **emotion_aucs(points, lines.emotions),
    }


def format_xed(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"XED {result['lang']} ({result['n']} single-emotion lines, {result['file']})",
            f"{'model':<40} {'valence AUC':>12} {'arousal AUC':>12}",
            f"{result['model'] + ' ' + result.get('model_version', ''):<40} "
            f"{result['valence_auc']:>12.3f} {result['arousal_auc']:>12.3f}",
        ]
    )
