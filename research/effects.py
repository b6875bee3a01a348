"""The mood-shift statistics of a study, for each arm and mode and each measure (the model's
readings; the person's own SAM ratings), in valence and arousal.

People give many rows each, so the primary analysis clusters by person (`research.clustered`):
each arm's mean change with its 95% interval and the p of "no change", and each arm's difference
from every control arm (difference of mean changes, 95% interval, p, and p Holm-adjusted across the
arm contrasts of one measure, mode and dimension). Mood drifts toward neutral by itself, so the
differences against a control are the claim; an arm's own change is not.

The per-row analysis (every row independent: t interval, Cohen's d_z, Wilcoxon signed-rank; Welch's
t for the differences) is kept as a secondary table, to show how much clustering changes."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import numpy as np
from scipy import stats

from recommender.arms import Arm
from research.clustered import clustered_difference, clustered_mean, holm
from research.study_data import StudyData

# The control arms, by name: exported names, and what a SiTunes-like file may call them, compared
# without case, spaces, dashes or underscores ("Random", "checkin_only", "Check-in only").
CONTROL_ARMS = (Arm.CHECKIN_ONLY.value, Arm.RANDOM.value, "control")
ALL_MODES = "all"
DIMENSIONS = ("valence", "arousal")


@dataclass(frozen=True)
class Change:
    """One arm's mean change, clustered by person."""

    arm: str
    mode: str
    measure: str
    dimension: str
    n: int  # rows
    people: int
    mean: float
    ci_low: float
    ci_high: float
    p: float  # of "no change"


@dataclass(frozen=True)
class Contrast:
    """One arm's mean change minus a control arm's, clustered by person."""

    arm: str
    control: str
    mode: str
    measure: str
    dimension: str
    n_arm: int
    n_control: int
    people_arm: int
    people_control: int
    difference: float
    ci_low: float
    ci_high: float
    p: float
    p_holm: float  # adjusted across the arm contrasts of this measure, mode and dimension


@dataclass(frozen=True)
class RowChange:
    """Secondary: one arm's change with every row taken as independent."""

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
class RowContrast:
    """Secondary: Welch's t of an arm against a control, every row taken as independent."""

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


T = TypeVar("T")


def _find(items: Iterable[T], **key: str) -> T | None:
    return next((i for i in items if all(getattr(i, k) == v for k, v in key.items())), None)


@dataclass(frozen=True)
class Analysis:
    changes: list[Change]
    contrasts: list[Contrast]
    row_changes: list[RowChange]
    row_contrasts: list[RowContrast]

    def change(self, arm: str, mode: str, measure: str, dimension: str) -> Change | None:
        return _find(self.changes, arm=arm, mode=mode, measure=measure, dimension=dimension)

    def contrast(
        self, arm: str, control: str, mode: str, measure: str, dimension: str
    ) -> Contrast | None:
        key = {"arm": arm, "control": control, "mode": mode, "measure": measure}
        return _find(self.contrasts, dimension=dimension, **key)

    def row_change(self, arm: str, mode: str, measure: str, dimension: str) -> RowChange | None:
        return _find(self.row_changes, arm=arm, mode=mode, measure=measure, dimension=dimension)

    def row_contrast(
        self, arm: str, control: str, mode: str, measure: str, dimension: str
    ) -> RowContrast | None:
        key = {"arm": arm, "control": control, "mode": mode, "measure": measure}
        return _find(self.row_contrasts, dimension=dimension, **key)


def as_row(item: Any) -> dict[str, Any]:
    """A result as a CSV row (its fields, in order)."""
    return {f.name: getattr(item, f.name) for f in fields(item)}


def control_arms(arms: Iterable[str]) -> list[str]:
    """The arms that are controls, in the order of CONTROL_ARMS."""
    rank = {_plain(name): k for k, name in enumerate(CONTROL_ARMS)}
    found = [a for a in set(arms) if _plain(a) in rank]
    return sorted(found, key=lambda a: (rank[_plain(a)], a))


def _plain(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def report_modes(data: StudyData) -> list[str]:
    """All modes together, then each mode when there are several (a single mode would repeat the
    rows of all modes together)."""
    modes = sorted(set(data.mode) - {ALL_MODES})
    return [ALL_MODES, *modes] if len(modes) > 1 else [ALL_MODES]


def change_stats(values: np.ndarray) -> tuple[int, float, float, float, float, float, float]:
    """Per row: n, mean, 95% CI low/high, SD, d_z, Wilcoxon p of one sample of changes."""
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
    """Per row: difference of means a - b with its 95% CI (Welch-Satterthwaite) and the p."""
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
    result = Analysis([], [], [], [])
    arms = sorted(set(data.arm))
    controls = control_arms(arms)
    for measure in data.measures:
        for mode in report_modes(data):
            in_mode = np.ones(len(data), bool) if mode == ALL_MODES else data.mode == mode
            for dimension in DIMENSIONS:
                delta = np.where(in_mode, measure.delta(dimension), np.nan)
                _one_outcome(result, data, delta, arms, controls, (mode, measure.name, dimension))
    return result


def _one_outcome(
    result: Analysis,
    data: StudyData,
    delta: np.ndarray,
    arms: list[str],
    controls: list[str],
    outcome: tuple[str, str, str],
) -> None:
    """The changes and contrasts of one mode, measure and dimension (`delta` NaN outside the
    mode); its contrasts are one family for Holm's correction."""
    family: list[Contrast] = []
    for arm in arms:
        in_arm = data.arm == arm
        picked = delta[in_arm]
        row = change_stats(picked)
        if row[0] == 0:
            continue
        mode, measure, dimension = outcome
        n, mean, low, high, sd, d_z, wilcoxon_p = row
        result.row_changes.append(
            RowChange(arm, mode, measure, dimension, n, mean, low, high, sd, d_z, wilcoxon_p)
        )
        own = clustered_mean(picked, data.person[in_arm])
        result.changes.append(
            Change(arm, *outcome, own.rows, own.people, own.value, own.ci_low, own.ci_high, own.p)
        )
        for control in controls:
            base = delta[data.arm == control]
            if control == arm or not (~np.isnan(base)).any():
                continue
            result.row_contrasts.append(
                RowContrast(arm, control, *outcome, row[0], int((~np.isnan(base)).sum()),
                            *welch(picked, base))
            )  # fmt: skip
            diff, n_arm, n_control, people_arm, people_control = clustered_difference(
                delta, data.person, in_arm, data.arm == control
            )
            family.append(
                Contrast(arm, control, *outcome, n_arm, n_control, people_arm, people_control,
                         diff.value, diff.ci_low, diff.ci_high, diff.p, math.nan)
            )  # fmt: skip
    adjusted = holm([c.p for c in family])
    result.contrasts.extend(
        Contrast(**{**as_row(c), "p_holm": p}) for c, p in zip(family, adjusted, strict=True)
    )
