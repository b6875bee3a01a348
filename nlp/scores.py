"""How well predicted valence and arousal agree with gold ratings: Pearson r, R², and `r2_mean`
(the mean of the two R²), the figures every text-model evaluation in this project reports. numpy
only, so the lexicon's evaluation does not load torch."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


def pearson(predicted: Floats, gold: Floats) -> float:
    # A constant prediction has no correlation; say 0 rather than NaN.
    if len(predicted) < 2 or float(np.std(predicted)) == 0.0 or float(np.std(gold)) == 0.0:
        return 0.0
    return float(np.corrcoef(predicted, gold)[0, 1])


def r2(predicted: Floats, gold: Floats) -> float:
    total = float(np.sum((gold - gold.mean()) ** 2))
    if total == 0.0:
        return 0.0
    return 1.0 - float(np.sum((gold - predicted) ** 2)) / total


def evaluate(predicted: Floats, gold: Floats) -> dict[str, float]:
    """Pearson r and R² of (valence, arousal) columns 0 and 1, and r2_mean, their mean R²."""
    result: dict[str, float] = {}
    for column, name in enumerate(("valence", "arousal")):
        result[f"r_{name}"] = pearson(predicted[:, column], gold[:, column])
        result[f"r2_{name}"] = r2(predicted[:, column], gold[:, column])
    result["r2_mean"] = (result["r2_valence"] + result["r2_arousal"]) / 2.0
    return result


def auc(positive: Floats, negative: Floats) -> float:
    """Area under the ROC curve: the chance that a random positive scores above a random negative
    (ties count half), from the Mann-Whitney U statistic. NaN when either side is empty."""
    if len(positive) == 0 or len(negative) == 0:
        return float("nan")
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([positive, negative]))
    u = float(ranks[: len(positive)].sum()) - len(positive) * (len(positive) + 1) / 2.0
    return u / (len(positive) * len(negative))
