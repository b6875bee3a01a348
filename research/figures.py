"""The report's figures: arrows in the VA plane per arm, histograms of change, change by minutes
elapsed. Drawn with matplotlib's file backend, never a window."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

from research.effects import DIMENSIONS
from research.study_data import StudyData

matplotlib.use("Agg")
import matplotlib.pyplot as plt

MAX_ARROWS = 150  # individual arrows drawn per arm (a sample), under the mean arrow


def _arms(data: StudyData) -> list[str]:
    return sorted(set(data.arm))


def arrows_figure(data: StudyData, path: Path) -> Path:
    measure = data.primary
    arms = _arms(data)
    fig, axes = plt.subplots(1, len(arms), figsize=(4 * len(arms), 4), squeeze=False)
    rng = np.random.default_rng(0)
    for ax, arm in zip(axes[0], arms, strict=True):
        rows = np.flatnonzero((data.arm == arm) & measure.complete)
        shown = rng.choice(rows, size=min(MAX_ARROWS, rows.size), replace=False)
        for i in shown:
            ax.annotate(
                "",
                xy=(measure.after_valence[i], measure.after_arousal[i]),
                xytext=(measure.before_valence[i], measure.before_arousal[i]),
                arrowprops={"arrowstyle": "->", "color": "0.75", "lw": 0.6},
            )
        if rows.size:
            start = (measure.before_valence[rows].mean(), measure.before_arousal[rows].mean())
            end = (measure.after_valence[rows].mean(), measure.after_arousal[rows].mean())
            ax.annotate(
                "", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "C3", "lw": 2}
            )
        ax.set(xlim=(-1, 1), ylim=(-1, 1), xlabel="valence", title=f"{arm} (n={rows.size})")
        ax.axhline(0, color="0.9", zorder=0)
        ax.axvline(0, color="0.9", zorder=0)
    axes[0][0].set_ylabel("arousal")
    fig.suptitle(f"Before -> after in the VA plane ({measure.label}; red: mean)")
    return _save(fig, path)


def histograms_figure(data: StudyData, path: Path) -> Path:
    measure = data.primary
    arms = _arms(data)
    fig, axes = plt.subplots(2, len(arms), figsize=(4 * len(arms), 6), squeeze=False)
    bins = np.linspace(-2, 2, 41)
    for col, arm in enumerate(arms):
        rows = (data.arm == arm) & measure.complete
        for row, dimension in enumerate(DIMENSIONS):
            ax = axes[row][col]
            values = measure.delta(dimension)[rows]
            ax.hist(values, bins=bins, color="C0" if row == 0 else "C1")
            if values.size:
                ax.axvline(float(values.mean()), color="k", lw=1)
            ax.set(title=f"{arm}: change in {dimension}", xlabel="after - before")
    fig.suptitle(f"Change ({measure.label}; line: mean)")
    return _save(fig, path)


def minutes_figure(data: StudyData, path: Path) -> Path:
    measure = data.primary
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    known = measure.complete & ~np.isnan(data.minutes)
    for ax, dimension in zip(axes, DIMENSIONS, strict=True):
        delta = measure.delta(dimension)
        for k, arm in enumerate(_arms(data)):
            rows = known & (data.arm == arm)
            if not rows.any():
                continue
            minutes, change = data.minutes[rows], delta[rows]
            ax.scatter(minutes, change, s=4, alpha=0.25, color=f"C{k}")
            edges = np.unique(np.quantile(minutes, np.linspace(0, 1, 7)))
            if edges.size >= 2:
                which = np.clip(np.digitize(minutes, edges[1:-1]), 0, edges.size - 2)
                centers = [minutes[which == b].mean() for b in range(edges.size - 1)]
                means = [change[which == b].mean() for b in range(edges.size - 1)]
                ax.plot(centers, means, marker="o", color=f"C{k}", label=arm)
        ax.axhline(0, color="0.8")
        ax.set(xlabel="minutes between mood and check-in", ylabel=f"change in {dimension}")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    if not known.any():
        axes[0].text(0.5, 0.5, "no times in this file", ha="center", transform=axes[0].transAxes)
    fig.suptitle("Change by minutes elapsed (dots: rows; lines: means of sextiles)")
    return _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
