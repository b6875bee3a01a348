"""GoEmotions (Demszky et al. 2020): Reddit comments labelled with 27 emotions plus neutral, read
from `goemotions/data/original/` in the data directory for auxiliary training of the text model.

Each `.tsv` line is `text<TAB>comma-separated label ids<TAB>comment id`; `labels.txt` names the
ids in order. A comment may carry several labels, so the targets are multi-hot rows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

GOEMOTIONS_DIR = "goemotions/data/original"
GOEMOTIONS_SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class GoEmotions:
    texts: list[str]
    labels: npt.NDArray[np.float32]  # (n, len(names)) multi-hot
    names: tuple[str, ...]


def label_names(data_dir: Path) -> tuple[str, ...]:
    path = Path(data_dir) / GOEMOTIONS_DIR / "labels.txt"
    return tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line)


def load_goemotions(
    data_dir: Path, split: str = "train", max_examples: int | None = None, seed: int = 0
) -> GoEmotions:
    """One split's comments with multi-hot labels; `max_examples` keeps a seeded random subset
    (in file order), so a subsample is the same from run to run."""
    if split not in GOEMOTIONS_SPLITS:
        raise ValueError(f"split must be one of {', '.join(GOEMOTIONS_SPLITS)}, not {split!r}")
    names = label_names(data_dir)
    path = Path(data_dir) / GOEMOTIONS_DIR / f"{split}.tsv"
    texts: list[str] = []
    rows: list[list[int]] = []
    with path.open(newline="", encoding="utf-8") as f:
        # The comments contain quote marks that are text, not CSV quoting.
        for line in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            texts.append(line[0])
            rows.append([int(label) for label in line[1].split(",")])
    keep = np.arange(len(texts))
    if max_examples is not None and max_examples < len(texts):
        keep = np.sort(np.random.default_rng(seed).permutation(len(texts))[:max_examples])
    labels = np.zeros((len(keep), len(names)), dtype=np.float32)
    for row, index in enumerate(keep):
        labels[row, rows[index]] = 1.0
    return GoEmotions([texts[i] for i in keep], labels, names)


# The chat-domain measure of `moodwave eval-text --dataset goemotions-quadrants`: comments with
# exactly one of these emotions, valence and arousal judged by the sign their emotion implies.
POSITIVE = ("joy", "excitement", "amusement", "relief", "caring", "gratitude")
NEGATIVE = (
    "anger",
    "disgust",
    "fear",
    "nervousness",
    "sadness",
    "grief",
    "disappointment",
    "remorse",
)
HIGH_AROUSAL = ("anger", "fear", "nervousness", "excitement", "joy", "amusement")
LOW_AROUSAL = ("sadness", "grief", "disappointment", "remorse", "relief", "caring")
QUADRANT_EMOTIONS = tuple(dict.fromkeys(POSITIVE + NEGATIVE + HIGH_AROUSAL + LOW_AROUSAL))


def quadrant_comments(data_dir: Path, split: str = "test") -> tuple[list[str], list[str]]:
    """The comments of `split` labelled with one emotion only, that emotion being one of
    `QUADRANT_EMOTIONS`, and its name for each (the test split: 1,209 comments)."""
    comments = load_goemotions(data_dir, split)
    texts: list[str] = []
    emotions: list[str] = []
    for text, row in zip(comments.texts, comments.labels, strict=True):
        present = np.flatnonzero(row)
        if len(present) == 1 and comments.names[int(present[0])] in QUADRANT_EMOTIONS:
            texts.append(text)
            emotions.append(comments.names[int(present[0])])
    return texts, emotions


# Chat-domain auxiliary targets ("chat_V", "chat_A"): a comment's valence and arousal are the mean
# Warriner et al. (2013) ratings of its emotion labels' own words, mapped from 1-9 to [-1, 1]. The
# mapping is external (people rated the words), not fitted here. Label words the norms lack are
# looked up by a close form.
WARRINER_CSV = "warriner_xanew/Ratings_Warriner_et_al.csv"
_LABEL_WORDS = {"caring": "care"}
CHAT_TARGETS = ("chat_V", "chat_A")


def label_moods(data_dir: Path, names: tuple[str, ...]) -> npt.NDArray[np.float64]:
    """(valence, arousal) in [-1, 1] of each label name's word; shape (len(names), 2)."""
    wanted = {_LABEL_WORDS.get(name, name): name for name in names}
    found: dict[str, tuple[float, float]] = {}
    with (Path(data_dir) / WARRINER_CSV).open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            word = row["Word"].strip().lower()
            if word in wanted:
                found[wanted[word]] = (float(row["V.Mean.Sum"]), float(row["A.Mean.Sum"]))
    missing = [name for name in names if name not in found]
    if missing:
        raise ValueError(f"no Warriner rating for the labels {', '.join(missing)}")
    return (np.asarray([found[name] for name in names], dtype=np.float64) - 5.0) / 4.0


def chat_rows(
    data_dir: Path, targets: tuple[str, ...], examples: int, seed: int
) -> tuple[list[str], npt.NDArray[np.float64]]:
    """A seeded subset of GoEmotions' train comments with `chat_V` and `chat_A` filled in (the
    mean mood of their labels' words) and every other target missing (NaN)."""
    comments = load_goemotions(data_dir, "train", examples, seed)
    moods = label_moods(data_dir, comments.names)
    per_comment = comments.labels @ moods / comments.labels.sum(axis=1, keepdims=True)
    gold = np.full((len(comments.texts), len(targets)), np.nan)
    for k, name in enumerate(CHAT_TARGETS):
        if name in targets:
            gold[:, targets.index(name)] = per_comment[:, k]
    return comments.texts, gold
