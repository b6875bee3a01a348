"""Distil the teacher (LoRA on all-mpnet-base-v2) into the student (LoRA on all-MiniLM-L6-v2).

The teacher labels a pool of text without ratings: GoEmotions' train comments (chat-like Reddit
text, 43k) and EmoBank's train sentences. Never a dev or test split: dev chooses, test reports.
The student then trains on EmoBank's gold rows together with the teacher's rows (every target the
teacher's head has: V and A, and the auxiliary D and reader/writer ratings), each teacher row
weighted `distill_weight` against a gold row. Dev (EmoBank dev, gold) picks the best point, as for
any text model.

The teacher's labels are cached in a `.npz` named after the teacher's version, so a second student
run does not relabel 51k texts.

Run: `moodwave train-text --distill --out nlp/weights/text-va` (the teacher from the settings), or
`python -m nlp.distill --data-dir ../shared/data --teacher nlp/weights/text-va-teacher
--teacher-base ~/.local/share/moodwave/models/all-mpnet-base-v2 --out nlp/weights/text-va`.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nlp.goemotions import load_goemotions
from nlp.text_model import TextMoodModel
from nlp.training import Split, load_split, parse_overrides, train_text_model

Log = Callable[[str], None]


def unlabelled_pool(data_dir: Path, max_texts: int | None = None) -> list[str]:
    """Texts for the teacher to label: GoEmotions train comments, then EmoBank train sentences,
    without repeats, in that order (`max_texts`: the first so many, for smoke tests)."""
    texts = load_goemotions(data_dir, "train").texts + load_split(data_dir, "train", ("V",)).texts
    unique = list(dict.fromkeys(text for text in texts if text.strip()))
    return unique if max_texts is None else unique[:max_texts]


def label_pool(
    teacher: TextMoodModel, texts: list[str], log: Log = print, chunk: int = 2048
) -> np.ndarray:
    """The teacher's outputs (every target of its head) for each text, in chunks with progress."""
    rows = []
    started = time.perf_counter()
    for start in range(0, len(texts), chunk):
        rows.append(teacher.predict_targets(texts[start : start + chunk], batch_size=32))
        done = min(len(texts), start + chunk)
        rate = done / max(1e-9, time.perf_counter() - started)
        log(f"teacher labels: {done}/{len(texts)} ({rate:.0f} texts/s)")
    return np.concatenate(rows).astype(np.float64) if rows else np.zeros((0, 2))


def teacher_labels(
    teacher: TextMoodModel,
    data_dir: Path,
    cache: Path,
    log: Log = print,
    max_texts: int | None = None,
) -> Split:
    """The pool with the teacher's labels, from `cache` when it was made by this teacher."""
    if cache.is_file():
        saved = np.load(cache, allow_pickle=False)
        if str(saved["teacher"]) == teacher.version and (
            max_texts is None or len(saved["texts"]) == max_texts
        ):
            log(f"teacher labels: {len(saved['texts'])} from {cache}")
            return Split([str(t) for t in saved["texts"]], saved["labels"])
    texts = unlabelled_pool(data_dir, max_texts)
    labels = label_pool(teacher, texts, log)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        cache,
        texts=np.asarray(texts),
        labels=labels,
        teacher=np.asarray(teacher.version),
        targets=np.asarray(teacher.targets),
    )
    return Split(texts, labels)


def distil(
    data_dir: Path,
    out_dir: Path,
    teacher: TextMoodModel,
    overrides: list[str],
    cache: Path,
    log: Log = print,
    base: str | None = None,
    max_texts: int | None = None,
) -> dict[str, Any]:
    """Label the pool with `teacher` (or read the cache), train the student on gold + teacher rows
    and save it to `out_dir`; the metrics as `train_text_model` gives them."""
    config = parse_overrides(overrides)
    if not set(teacher.targets) <= set(config.targets):
        raise ValueError(
            f"the student's targets {config.targets} must include the teacher's {teacher.targets}"
        )
    labelled = teacher_labels(teacher, data_dir, cache, log, max_texts)
    if config.distill_examples is not None and config.distill_examples < len(labelled.texts):
        keep = np.sort(
            np.random.default_rng(config.seed).permutation(len(labelled.texts))[
                : config.distill_examples
            ]
        )
        labelled = Split([labelled.texts[i] for i in keep], labelled.gold[keep])
    # The teacher's columns in the student's order; targets the teacher lacks stay missing (NaN).
    gold = np.full((len(labelled.texts), len(config.targets)), np.nan)
    for column, name in enumerate(teacher.targets):
        gold[:, config.targets.index(name)] = labelled.gold[:, column]
    pool = Split(labelled.texts, gold)
    provenance = {
        "distilled_from": teacher.version,
        "distill_pool": {
            "texts": len(pool.texts),
            "sources": ["goemotions train", "emobank train"],
        },
    }
    return train_text_model(
        data_dir, out_dir, config, log, base=base, extra=pool, provenance=provenance
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Distil the teacher into the MiniLM student.")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder for the student's weights")
    parser.add_argument("--teacher", type=Path, required=True, help="the teacher's weights folder")
    parser.add_argument("--teacher-base", required=True, help="the teacher's encoder folder")
    parser.add_argument("--cache", type=Path, default=None, help="the teacher-label cache (.npz)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-texts", type=int, default=None, help="smoke tests: a smaller pool")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(args.threads)
    teacher = TextMoodModel.load(args.teacher, args.teacher_base, device="auto")
    cache = args.cache or args.out.parent / f".teacher-labels-{teacher.version}.npz"
    metrics = distil(args.data_dir, args.out, teacher, args.set, cache, max_texts=args.max_texts)
    print(json.dumps({"dev": metrics["dev"], "test": metrics["test"]}, indent=2))


if __name__ == "__main__":
    main()
