"""Estimates that respect that one person gives many rows: ordinary least squares with
cluster-robust standard errors by person (statsmodels' CR1 sandwich, small-sample corrected), and
t intervals and tests with G - 1 degrees of freedom (G: the people in the fit). Rows of one person
are alike (their own baseline, their own way of answering), so treating each row as independent
makes intervals too narrow and p-values too small; clustering by person does not assume how they
are alike. Plus Holm's step-down correction for a family of tests."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

NAN = math.nan


@dataclass(frozen=True)
class Estimate:
    value: float
    ci_low: float
    ci_high: float
    p: float  # two-sided, of "the value is 0"
    rows: int
    people: int


def clustered_mean(values: np.ndarray, people: np.ndarray) -> Estimate:
    """The mean of `values` (NaN rows left out), its 95% interval and the p of "mean is 0"."""
    known = ~np.isnan(values)
    return _fit(values[known], np.ones((int(known.sum()), 1)), people[known], [1.0])


def clustered_difference(
    values: np.ndarray, people: np.ndarray, in_arm: np.ndarray, in_control: np.ndarray
) -> tuple[Estimate, int, int, int, int]:
    """Mean of the arm's rows minus the control's, from `value ~ 1 + arm` on the rows of both
    (NaN left out), clustered by person: a person with rows in both arms counts once. Also the
    rows and people of each side."""
    picked = (in_arm | in_control) & ~np.isnan(values)
    arm = in_arm[picked].astype(float)
    design = np.column_stack([np.ones(arm.size), arm])
    estimate = _fit(values[picked], design, people[picked], [0.0, 1.0])
    arm_side, control_side = picked & in_arm, picked & in_control
    return (
        estimate,
        int(arm_side.sum()),
        int(control_side.sum()),
        len(set(people[arm_side])),
        len(set(people[control_side])),
    )


def _fit(y: np.ndarray, design: np.ndarray, people: np.ndarray, contrast: list[float]) -> Estimate:
    rows = int(y.size)
    groups = np.unique(people, return_inverse=True)[1] if rows else np.array([], int)
    n_people = int(groups.max()) + 1 if rows else 0
    if rows == 0 or np.linalg.matrix_rank(design) < design.shape[1]:
        return Estimate(NAN, NAN, NAN, NAN, rows, n_people)
    value = float(np.linalg.lstsq(design, y, rcond=None)[0] @ np.asarray(contrast))
    if n_people < 2 or rows <= design.shape[1]:
        return Estimate(value, NAN, NAN, NAN, rows, n_people)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a zero-variance sample: handled below
        fit = sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        test = fit.t_test(np.asarray([contrast]))
    se = float(np.asarray(test.sd).ravel()[0])
    if not se > 0:  # every row the same: no spread to test against
        return Estimate(value, value, value, NAN, rows, n_people)
    low, high = (float(v) for v in np.asarray(test.conf_int(alpha=0.05)).ravel())
    return Estimate(value, low, high, float(np.asarray(test.pvalue).ravel()[0]), rows, n_people)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values of one family of tests (NaN stays NaN and is not counted)."""
    values = np.asarray(p_values, dtype=float)
    adjusted = np.full(values.size, NAN)
    known = ~np.isnan(values)
    if known.any():
        adjusted[known] = multipletests(values[known], alpha=0.05, method="holm")[1]
    return [float(v) for v in adjusted]
