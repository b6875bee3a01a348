"""`moodwave eval-text`: a trained text model (the student or the teacher) and its baselines on one
EmoBank split, or on the chat-domain GoEmotions quadrant measure.

The model is scored on its raw predictions (no calibration): Pearson r and R² for valence and arousal
and `r2_mean`, their mean R². The baselines are the lexicon estimator (raw, which is how the bot uses
it) and frozen MiniLM embeddings with ridge regression fitted on train, alpha chosen on dev.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from nlp.baselines import ridge_baseline
from nlp.batching import VAPredictor
from nlp.emobank import load_split
from nlp.evaluate_lexicon import evaluate_lexicon
from nlp.goemotions import HIGH_AROUSAL, LOW_AROUSAL, NEGATIVE, POSITIVE, quadrant_comments
from nlp.lexicon import WARRINER, LexiconEstimator
from nlp.scores import auc, evaluate

DATASETS = ("emobank", "goemotions-quadrants")
EMOBANK_CSV = "emobank/corpus/emobank.csv"
KEYS = ("r_valence", "r_arousal", "r2_valence", "r2_arousal", "r2_mean")


def evaluate_text(
    model: VAPredictor,
    data_dir: Path,
    split: str,
    baselines: bool = True,
    model_name: str = "student",
) -> dict[str, Any]:
    gold = load_split(data_dir, split, ("V", "A"))
    predicted = _predict(model, gold.texts, f"EmoBank {split}")
    scores = evaluate(predicted, gold.gold)
    result: dict[str, Any] = {
        "dataset": "emobank",
        "split": split,
        "n": len(gold.texts),
        "model": model_name,
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


def evaluate_quadrants(
    model: VAPredictor, data_dir: Path, baselines: bool = True, model_name: str = "student"
) -> dict[str, Any]:
    """GoEmotions test comments with exactly one quadrant emotion: `valence_auc` ranks positive
    emotions above negative ones by valence, `arousal_auc` high-arousal above low by arousal."""
    texts, emotions = quadrant_comments(data_dir, "test")
    result: dict[str, Any] = {
        "dataset": "goemotions-quadrants",
        "split": "test",
        "n": len(texts),
        "model": model_name,
        "model_version": model.version,
        **_quadrant_aucs(model.predict(texts).astype(np.float64), emotions),
    }
    if baselines:
        lexicon = LexiconEstimator.from_csv(data_dir / WARRINER.relative_path)
        moods = lexicon.estimate_many(texts)
        points = np.asarray([[m.valence, m.arousal] for m in moods], dtype=np.float64)
        result["baselines"] = {"lexicon": _quadrant_aucs(points, emotions)}
    return result


def _quadrant_aucs(points: npt.NDArray[np.float64], emotions: list[str]) -> dict[str, Any]:
    def side(names: tuple[str, ...], column: int) -> npt.NDArray[np.float64]:
        return points[[i for i, e in enumerate(emotions) if e in names], column]

    return {
        "valence_auc": round(auc(side(POSITIVE, 0), side(NEGATIVE, 0)), 4),
        "arousal_auc": round(auc(side(HIGH_AROUSAL, 1), side(LOW_AROUSAL, 1)), 4),
        "n_valence": int(sum(e in POSITIVE + NEGATIVE for e in emotions)),
        "n_arousal": int(sum(e in HIGH_AROUSAL + LOW_AROUSAL for e in emotions)),
    }


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {key: round(scores[key], 4) for key in KEYS}


def format_table(result: dict[str, Any]) -> str:
    if result["dataset"] == "goemotions-quadrants":
        return _format_quadrants(result)
    rows = [(f"{result.get('model', 'model')} {result['model_version']}", result)]
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


def _format_quadrants(result: dict[str, Any]) -> str:
    rows = [(f"{result['model']} {result['model_version']}", result)]
    rows += [(name, scores) for name, scores in result.get("baselines", {}).items()]
    lines = [
        f"GoEmotions quadrants, test ({result['n']} comments)",
        f"{'model':<40} {'valence AUC':>12} {'arousal AUC':>12}",
    ]
    lines += [f"{n:<40} {s['valence_auc']:>12.3f} {s['arousal_auc']:>12.3f}" for n, s in rows]
    return "\n".join(lines)


def _predict(
    model: VAPredictor, texts: list[str], what: str, chunk: int = 256
) -> npt.NDArray[np.float64]:
    """The model's predictions, `chunk` texts at a time under a progress bar (on a terminal
    only: disable=None keeps it quiet when standard error is not one)."""
    parts = [
        model.predict(texts[start : start + chunk]).astype(np.float64)
        for start in tqdm(range(0, len(texts), chunk), desc=what, unit="batch", disable=None)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, 2))
