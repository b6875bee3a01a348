"""`moodwave eval-text`: the trained text model and its two baselines on one EmoBank split.

The model is scored on its raw predictions (no calibration): Pearson r and R² for valence and arousal
and `r2_mean`, their mean R². The baselines are the lexicon estimator (raw, which is how the bot uses
it) and frozen MiniLM embeddings with ridge regression fitted on train, alpha chosen on dev.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nlp.baselines import ridge_baseline
from nlp.emobank import load_split
from nlp.evaluate_lexicon import evaluate_lexicon
from nlp.lexicon import WARRINER, LexiconEstimator
from nlp.scores import evaluate
from nlp.text_model import TextMoodModel

DATASETS = ("emobank",)
EMOBANK_CSV = "emobank/corpus/emobank.csv"
KEYS = ("r_valence", "r_arousal", "r2_valence", "r2_arousal", "r2_mean")


def evaluate_text(
    model: TextMoodModel, data_dir: Path, split: str, baselines: bool = True
) -> dict[str, Any]:
    gold = load_split(data_dir, split, ("V", "A"))
    predicted = model.predict(gold.texts).astype(np.float64)
    scores = evaluate(predicted, gold.gold)
    result: dict[str, Any] = {
        "dataset": "emobank",
        "split": split,
        "n": len(gold.texts),
        "model_version": model.version,
        **{key: round(scores[key], 4) for key in KEYS},
    }
    if baselines:
        lexicon = LexiconEstimator.from_csv(data_dir / WARRINER.relative_path)
        result["baselines"] = {
            "lexicon": _rounded(evaluate_lexicon(lexicon, data_dir / EMOBANK_CSV, split, None)),
            "frozen_ridge": _rounded(ridge_baseline(data_dir, split)),
        }
    return result


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {key: round(scores[key], 4) for key in KEYS}


def format_table(result: dict[str, Any]) -> str:
    rows = [("trained model " + str(result["model_version"]), result)]
    rows += [(name, scores) for name, scores in result.get("baselines", {}).items()]
    lines = [
        f"EmoBank {result['split']} ({result['n']} sentences)",
        f"{'model':<40} {'r_val':>7} {'r_aro':>7} {'R2_val':>7} {'R2_aro':>7} {'R2_mean':>8}",
    ]
    for name, s in rows:
        lines.append(
            f"{name:<40} {s['r_valence']:>7.3f} {s['r_arousal']:>7.3f} {s['r2_valence']:>7.3f} "
            f"{s['r2_arousal']:>7.3f} {s['r2_mean']:>8.3f}"
        )
    return "\n".join(lines)
