"""The mood-shift statistics of a study: for each arm and mode, and each measure (the model's
readings; the person's own SAM ratings), the mean change in valence and arousal with its 95%
confidence interval (t), the paired effect size Cohen's d_z (mean change / SD of change) and the
Wilcoxon signed-rank test of "no change"; and each arm's difference from every control arm (Welch's
t: difference of mean changes with its 95% interval and p). Mood drifts toward neutral by itself,
so the differences against a control are the claim; an arm's own change is not."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from recommender.arms import Arm
from research.study_data import StudyData

# The control arms by their exported names.
CONTROL_ARMS = (Arm.CHECKIN_ONLY.value, Arm.RANDOM.value)
ALL_MODES = "all"
DIMENSIONS = ("valence", "arousal")


@dataclass(frozen=True)
class Change:
    arm: str
    mode: str
    measure: str
    dimension: str
    n: int
    mean: float
    ci_low: float
    ci_high: float
    sd: float
    d_z: float
    wilcoxon_p: float


@dataclass(frozen=True)
class Contrast:
    arm: str
    control: str
    mode: str
    measure: str
    dimension: str
    n_arm: int
    n_control: int
    difference: float
    ci_low: float
    ci_high: float
    p: float


@dataclass(frozen=True)
class Analysis:
    changes: list[Change]
    contrasts: list[Contrast]

    def change(self, arm: str, mode: str, measure: str, dimension: str) -> Change | None:
        return next(
            (
                c
                for c in self.changes
                if (c.arm, c.mode, c.measure, c.dimension) == (arm, mode, measure, dimension)
            ),
            None,
        )

    def contrast(
        self, arm: str, control: str, mode: str, measure: str, dimension: str
    ) -> Contrast | None:
        key = (arm, control, mode, measure, dimension)
        return next(
            (
                c
                for c in self.contrasts
                if (c.arm, c.control, c.mode, c.measure, c.dimension) == key
            ),
            None,
        )


def change_stats(values: np.ndarray) -> tuple[int, float, float, float, float, float, float]:
    """n, mean, 95% CI low/high, SD, d_z, Wilcoxon p of one sample of changes."""
    x = values[~np.isnan(values)]
    n = int(x.size)
    nan = math.nan
    if n == 0:
        return 0, nan, nan, nan, nan, nan, nan
    mean = float(x.mean())
    if n < 2:
        return n, mean, nan, nan, nan, nan, nan
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    d_z = mean / sd if sd > 0 else nan
    return n, mean, mean - half, mean + half, sd, d_z, _wilcoxon(x)


def _wilcoxon(x: np.ndarray) -> float:
    if not np.any(x != 0):
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(stats.wilcoxon(x, zero_method="wilcox").pvalue)
        except ValueError:
            return math.nan


def welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float, float]:
    """Difference of means a - b with its 95% CI (Welch-Satterthwaite) and the two-sided p."""
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    nan = math.nan
    if a.size < 2 or b.size < 2:
        return nan, nan, nan, nan
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    diff = float(a.mean() - b.mean())
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, diff, diff, nan
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.975, df)) * se
    p = float(2 * stats.t.sf(abs(diff) / se, df))
    return diff, diff - half, diff + half, p


def analyse(data: StudyData) -> Analysis:
    changes: list[Change] = []
    contrasts: list[Contrast] = []
    arms = sorted(set(data.arm))
    modes = [ALL_MODES, *sorted(set(data.mode))]
    controls = [c for c in CONTROL_ARMS if c in arms]
    for measure in data.measures:
        for mode in modes:
            in_mode = np.ones(len(data), bool) if mode == ALL_MODES else data.mode == mode
            for dimension in DIMENSIONS:
                delta = measure.delta(dimension)
                for arm in arms:
                    picked = delta[in_mode & (data.arm == arm)]
                    n, mean, low, high, sd, d_z, p = change_stats(picked)
                    if n == 0:
                        continue
                    changes.append(
                        Change(arm, mode, measure.name, dimension, n, mean, low, high, sd, d_z, p)
                    )
                    for control in controls:
                        if control == arm:
                            continue
                        base = delta[in_mode & (data.arm == control)]
                        diff, low, high, p = welch(picked, base)
                        n_control = int((~np.isnan(base)).sum())
                        if n_control == 0:
                            continue
                        contrasts.append(
                            Contrast(
                                arm,
                                control,
                                mode,
                                measure.name,
                                dimension,
                                n,
                                n_control,
                                diff,
                                low,
                                high,
                                p,
                            )
                        )
    return Analysis(changes, contrasts)
