"""Measure a text mood estimator against EmoBank (Buechel & Hahn 2017): Pearson r and R² for valence
and arousal on one split, raw and after a linear calibration fitted on the train split.

Raw R² compares the estimator's own scale with the gold one and can be negative (a lexicon's scale
is not EmoBank's); the calibrated R² says how much of the variance the reading explains once a
straight line maps it onto EmoBank, which a fine-tuned model gets for free. Only the train split is
used for fitting; tune rules on dev; report test.

Run: `python -m nlp.evaluate_lexicon --data-dir ../shared/data --split dev`
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

from nlp.emobank import EMOBANK_RELATIVE_PATH, SPLITS, load_emobank
from nlp.lexicon import WARRINER, LexiconEstimator
from nlp.mood import MoodEstimator
from nlp.scores import pearson, r2

Floats = npt.NDArray[np.float64]


def predict(estimator: MoodEstimator, texts: list[str]) -> tuple[Floats, float]:
    """(valence, arousal) per text, and the share of texts the estimator could read at all."""
    moods = estimator.estimate_many(texts)
    coverage = sum(m.is_readable for m in moods) / len(moods) if moods else 0.0
    points = np.asarray([(m.valence, m.arousal) for m in moods], dtype=np.float64)
    return points.reshape(-1, 2), coverage


def evaluate_lexicon(
    estimator: MoodEstimator,
    emobank_csv: Path | str,
    split: str,
    calibrate_on: str | None = "train",
) -> dict[str, float]:
    """Pearson r and R² per dimension on `split`; with `calibrate_on`, also R² after a least-squares
    line per dimension fitted on that split (keys ending in `_calibrated`)."""
    texts, gold = load_emobank(emobank_csv, split)
    predicted, coverage = predict(estimator, texts)
    result = {
        "n": float(len(texts)),
        "coverage": coverage,
        "r_valence": pearson(predicted[:, 0], gold[:, 0]),
        "r_arousal": pearson(predicted[:, 1], gold[:, 1]),
        "r2_valence": r2(predicted[:, 0], gold[:, 0]),
        "r2_arousal": r2(predicted[:, 1], gold[:, 1]),
    }
    result["r2_mean"] = (result["r2_valence"] + result["r2_arousal"]) / 2.0
    if calibrate_on is not None:
        fit_texts, fit_gold = load_emobank(emobank_csv, calibrate_on)
        fit_predicted, _ = predict(estimator, fit_texts)
        for column, name in enumerate(("valence", "arousal")):
            slope, intercept = _line(fit_predicted[:, column], fit_gold[:, column])
            calibrated = slope * predicted[:, column] + intercept
            result[f"r2_{name}_calibrated"] = r2(calibrated, gold[:, column])
        result["r2_mean_calibrated"] = (
            result["r2_valence_calibrated"] + result["r2_arousal_calibrated"]
        ) / 2.0
    return result


def _line(x: Floats, y: Floats) -> tuple[float, float]:
    design = np.column_stack([x, np.ones_like(x)])
    (slope, intercept), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(slope), float(intercept)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Evaluate the lexicon estimator on EmoBank.")
    parser.add_argument("--data-dir", type=Path, required=True, help="folder holding the data sets")
    parser.add_argument("--split", choices=SPLITS, default="dev")
    args = parser.parse_args(argv)
    estimator = LexiconEstimator.from_csv(args.data_dir / WARRINER.relative_path)
    result = evaluate_lexicon(estimator, args.data_dir / EMOBANK_RELATIVE_PATH, args.split)
    print(json.dumps({"estimator": estimator.version, "split": args.split, **result}, indent=2))


if __name__ == "__main__":
    main()
