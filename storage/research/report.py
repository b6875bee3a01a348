"""`moodwave report`: the mood-shift analysis of one exported file (or a SiTunes-like one).

For each arm and mode, and each measure (the model's readings; the person's own SAM ratings), the
mean change in valence and arousal with its 95% confidence interval (t), the paired effect size
Cohen's d_z (mean change / SD of change) and the Wilcoxon signed-rank test of "no change"; and each
arm's difference from every control arm (Welch's t: difference of mean changes with its 95%
interval and p). Mood drifts toward neutral by itself, so the differences against a control are the
claim; an arm's own change is not. Figures: arrows in the VA plane per arm, histograms of change,
change by minutes elapsed. Everything is computed from the file given, so anyone can recompute it.
"""

from __future__ import annotations

import csv
import html
import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib
import numpy as np
from scipy import stats

from storage.research.study_data import Measure, StudyData

matplotlib.use("Agg")
import matplotlib.pyplot as plt

# The control arms by their exported names (`recommender.arms.Arm`; storage does not import it).
CONTROL_ARMS = ("checkin-only", "random")
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
                delta = _delta(measure, dimension)
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


def _delta(measure: Measure, dimension: str) -> np.ndarray:
    return measure.delta_valence if dimension == "valence" else measure.delta_arousal


# -- the report files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    html: Path
    changes_csv: Path
    contrasts_csv: Path
    figures: tuple[Path, ...]


def write_report(data: StudyData, out_dir: Path) -> ReportFiles:
    out_dir.mkdir(parents=True, exist_ok=True)
    analysis = analyse(data)
    changes_csv = _write_csv(out_dir / "changes.csv", [asdict(c) for c in analysis.changes])
    contrasts_csv = _write_csv(out_dir / "contrasts.csv", [asdict(c) for c in analysis.contrasts])
    figures = (
        _arrows_figure(data, out_dir / "va_arrows.png"),
        _histograms_figure(data, out_dir / "change_histograms.png"),
        _minutes_figure(data, out_dir / "change_by_minutes.png"),
    )
    markdown = out_dir / "report.md"
    markdown.write_text(_markdown(data, analysis, figures))
    page = out_dir / "report.html"
    page.write_text(_html(data, analysis, figures))
    return ReportFiles(markdown, page, changes_csv, contrasts_csv, figures)


def _write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="") as f:
        if rows:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return path


def _fmt(value: float, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:+.{digits}f}"


def _p(value: float) -> str:
    if math.isnan(value):
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _tables(data: StudyData, analysis: Analysis) -> list[tuple[str, list[str], list[list[str]]]]:
    tables: list[tuple[str, list[str], list[list[str]]]] = []
    for measure in data.measures:
        rows = [
            [
                c.arm,
                c.mode,
                c.dimension,
                str(c.n),
                _fmt(c.mean),
                f"[{_fmt(c.ci_low)}, {_fmt(c.ci_high)}]",
                _fmt(c.d_z, 2),
                _p(c.wilcoxon_p),
            ]
            for c in analysis.changes
            if c.measure == measure.name
        ]
        if rows:
            header = ["arm", "mode", "dimension", "n", "mean change", "95% CI", "d_z", "Wilcoxon p"]
            tables.append((f"Change before -> after ({_measure_name(measure.name)})", header, rows))
        rows = [
            [
                c.arm,
                c.control,
                c.mode,
                c.dimension,
                f"{c.n_arm} / {c.n_control}",
                _fmt(c.difference),
                f"[{_fmt(c.ci_low)}, {_fmt(c.ci_high)}]",
                _p(c.p),
            ]
            for c in analysis.contrasts
            if c.measure == measure.name
        ]
        if rows:
            header = ["arm", "vs control", "mode", "dimension", "n", "difference", "95% CI", "p"]
            tables.append(
                (f"Difference from the control ({_measure_name(measure.name)})", header, rows)
            )
    return tables


def _measure_name(name: str) -> str:
    return {"model": "the model's readings", "self": "self-reports (SAM)"}.get(name, name)


INTRO = (
    "Mean change = mood after - mood before, on [-1, 1]. 95% CI: t interval of the mean. d_z: mean "
    "change / SD of change (paired effect size). Wilcoxon: signed-rank test of no change. Mood "
    "drifts toward neutral by itself, so an arm's own change is not its effect: the difference "
    "from a control arm (Welch's t) is."
)


def _markdown(data: StudyData, analysis: Analysis, figures: Sequence[Path]) -> str:
    lines = [
        "# Mood-shift report",
        "",
        f"Source: {data.source}; {len(data)} rows, {len(set(data.person))} people, arms: "
        f"{', '.join(sorted(set(data.arm)))}.",
        "",
        INTRO,
        "",
    ]
    for title, header, rows in _tables(data, analysis):
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |"]
        lines += ["|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines += [""]
    lines += ["## Figures", ""]
    lines += [f"![{f.stem}]({f.name})" for f in figures]
    return "\n".join(lines) + "\n"


def _html(data: StudyData, analysis: Analysis, figures: Sequence[Path]) -> str:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Mood-shift report</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}"
        "table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;"
        "padding:.25em .6em;text-align:right}img{max-width:100%}</style></head><body>",
        "<h1>Mood-shift report</h1>",
        f"<p>Source: {html.escape(data.source)}; {len(data)} rows, {len(set(data.person))} "
        f"people.</p><p>{html.escape(INTRO)}</p>",
    ]
    for title, header, rows in _tables(data, analysis):
        parts.append(f"<h2>{html.escape(title)}</h2><table><tr>")
        parts += [f"<th>{html.escape(h)}</th>" for h in header]
        parts.append("</tr>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>")
        parts.append("</table>")
    parts.append("<h2>Figures</h2>")
    parts += [f"<p><img src='{f.name}' alt='{f.stem}'></p>" for f in figures]
    parts.append("</body></html>")
    return "\n".join(parts)


# -- figures ------------------------------------------------------------------------------------

MAX_ARROWS = 150  # individual arrows drawn per arm (a sample), under the mean arrow


def _arms(data: StudyData) -> list[str]:
    return sorted(set(data.arm))


def _arrows_figure(data: StudyData, path: Path) -> Path:
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
    fig.suptitle(f"Before -> after in the VA plane ({_measure_name(measure.name)}; red: mean)")
    return _save(fig, path)


def _histograms_figure(data: StudyData, path: Path) -> Path:
    measure = data.primary
    arms = _arms(data)
    fig, axes = plt.subplots(2, len(arms), figsize=(4 * len(arms), 6), squeeze=False)
    bins = np.linspace(-2, 2, 41)
    for col, arm in enumerate(arms):
        rows = (data.arm == arm) & measure.complete
        for row, dimension in enumerate(DIMENSIONS):
            ax = axes[row][col]
            values = _delta(measure, dimension)[rows]
            ax.hist(values, bins=bins, color="C0" if row == 0 else "C1")
            if values.size:
                ax.axvline(float(values.mean()), color="k", lw=1)
            ax.set(title=f"{arm}: change in {dimension}", xlabel="after - before")
    fig.suptitle(f"Change ({_measure_name(measure.name)}; line: mean)")
    return _save(fig, path)


def _minutes_figure(data: StudyData, path: Path) -> Path:
    measure = data.primary
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    known = measure.complete & ~np.isnan(data.minutes)
    for ax, dimension in zip(axes, DIMENSIONS, strict=True):
        delta = _delta(measure, dimension)
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
