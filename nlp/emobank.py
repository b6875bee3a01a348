"""EmoBank (Buechel and Hahn, 2017): 10,062 English sentences rated for valence, arousal and
dominance on a 1-5 scale, by their readers and writers and combined, split into train, dev and test.
The one reader of its files, for training, evaluation and the baselines; ratings are mapped to
[-1, 1] (3, neutral, becomes 0)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

EMOBANK_DIR = "emobank/corpus"
EMOBANK_RELATIVE_PATH = f"{EMOBANK_DIR}/emobank.csv"
SPLITS = ("train", "dev", "test")
# Targets by name: "V", "A", "D" are EmoBank's combined ratings; "reader_V", "writer_A", ... come
# from reader.csv and writer.csv. The first two must be "V" and "A".
RATING_FILES = {"": "emobank.csv", "reader_": "reader.csv", "writer_": "writer.csv"}

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Split:
    texts: list[str]
    gold: Floats  # (n, len(targets)) in [-1, 1]


def load_split(data_dir: Path, split: str, targets: tuple[str, ...]) -> Split:
    """EmoBank sentences of one split with the named targets, mapped from 1-5 to [-1, 1]."""
    folder = Path(data_dir) / EMOBANK_DIR
    ratings = {prefix: _read_ratings(folder / name) for prefix, name in RATING_FILES.items()}
    rows = _split_rows(folder / RATING_FILES[""], split)
    gold = [[_rating(ratings, row["id"], target) for target in targets] for row in rows]
    return Split([row["text"] for row in rows], np.asarray(gold, dtype=np.float64))


def load_emobank(emobank_csv: Path | str, split: str) -> tuple[list[str], Floats]:
    """Texts of one split and gold (valence, arousal) from the combined ratings file alone."""
    rows = _split_rows(Path(emobank_csv), split)
    gold = [(_unit(row["V"]), _unit(row["A"])) for row in rows]
    return [row["text"] for row in rows], np.asarray(gold, dtype=np.float64).reshape(-1, 2)


def _split_rows(path: Path, split: str) -> list[dict[str, str]]:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    with path.open(newline="", encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if row["split"] == split]


def _read_ratings(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f)}


def _rating(ratings: dict[str, dict[str, dict[str, str]]], sentence_id: str, target: str) -> float:
    if target.startswith("chat_"):
        return math.nan  # the chat-domain targets (nlp.goemotions.CHAT_TARGETS) are not EmoBank's
    prefix, _, dimension = target.rpartition("_")
    prefix = f"{prefix}_" if prefix else ""
    if prefix not in ratings or dimension not in ("V", "A", "D"):
        raise ValueError(f"unknown target {target!r}: use V, A, D, reader_V, writer_D, ...")
    return _unit(ratings[prefix][sentence_id][dimension])


def _unit(rating: str) -> float:
    return (float(rating) - 3.0) / 2.0
