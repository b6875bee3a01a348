"""`moodwave report`: the mood-shift report of one exported file (or a SiTunes-like one): the
statistics of `research.effects` as Markdown and HTML tables and CSV files (primary: clustered by
person; secondary: per row), with the figures of `research.figures`. Everything is computed from the
file given, so anyone can recompute it.
"""

from __future__ import annotations

import csv
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from research.effects import Analysis, analyse, as_row, report_modes
from research.figures import arrows_figure, histograms_figure, minutes_figure
from research.study_data import StudyData


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    html: Path
    changes_csv: Path
    contrasts_csv: Path
    row_changes_csv: Path
    row_contrasts_csv: Path
    figures: tuple[Path, ...]


def write_report(data: StudyData, out_dir: Path) -> ReportFiles:
    out_dir.mkdir(parents=True, exist_ok=True)
    analysis = analyse(data)
    csvs = [
        _write_csv(out_dir / f"{name}.csv", [as_row(r) for r in rows])
        for name, rows in (
            ("changes", analysis.changes),
            ("contrasts", analysis.contrasts),
            ("changes_per_row", analysis.row_changes),
            ("contrasts_per_row", analysis.row_contrasts),
        )
    ]
    figures = (
        arrows_figure(data, out_dir / "va_arrows.png"),
        histograms_figure(data, out_dir / "change_histograms.png"),
        minutes_figure(data, out_dir / "change_by_minutes.png"),
    )
    markdown = out_dir / "report.md"
    markdown.write_text(_markdown(data, analysis, figures))
    page = out_dir / "report.html"
    page.write_text(_html(data, analysis, figures))
    changes, contrasts, row_changes, row_contrasts = csvs
    return ReportFiles(markdown, page, changes, contrasts, row_changes, row_contrasts, figures)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
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


Table = tuple[str, list[str], list[list[str]]]


def _interval(low: float, high: float) -> str:
    return f"[{_fmt(low)}, {_fmt(high)}]"


def _tables(data: StudyData, analysis: Analysis) -> list[Table]:
    """The primary tables (clustered by person), measure by measure."""
    tables: list[Table] = []
    for measure in data.measures:
        rows = [
            [c.arm, c.mode, c.dimension, str(c.n), str(c.people), _fmt(c.mean),
             _interval(c.ci_low, c.ci_high), _p(c.p)]
            for c in analysis.changes
            if c.measure == measure.name
        ]  # fmt: skip
        if rows:
            header = ["arm", "mode", "dimension", "rows", "people", "mean change", "95% CI", "p"]
            tables.append((f"Change before -> after ({measure.label})", header, rows))
        rows = [
            [c.arm, c.control, c.mode, c.dimension, f"{c.n_arm} / {c.n_control}",
             f"{c.people_arm} / {c.people_control}", _fmt(c.difference),
             _interval(c.ci_low, c.ci_high), _p(c.p), _p(c.p_holm)]
            for c in analysis.contrasts
            if c.measure == measure.name
        ]  # fmt: skip
        if rows:
            header = ["arm", "vs control", "mode", "dimension", "rows", "people", "difference",
                      "95% CI", "p", "Holm p"]  # fmt: skip
            tables.append((f"Difference from the control ({measure.label})", header, rows))
    return tables


def _row_tables(data: StudyData, analysis: Analysis) -> list[Table]:
    """The secondary tables: every row taken as independent."""
    tables: list[Table] = []
    for measure in data.measures:
        rows = [
            [c.arm, c.mode, c.dimension, str(c.n), _fmt(c.mean), _interval(c.ci_low, c.ci_high),
             _fmt(c.d_z, 2), _p(c.wilcoxon_p)]
            for c in analysis.row_changes
            if c.measure == measure.name
        ]  # fmt: skip
        if rows:
            header = ["arm", "mode", "dimension", "n", "mean change", "95% CI", "d_z", "Wilcoxon p"]
            tables.append((f"Per row: change ({measure.label})", header, rows))
        rows = [
            [c.arm, c.control, c.mode, c.dimension, f"{c.n_arm} / {c.n_control}",
             _fmt(c.difference), _interval(c.ci_low, c.ci_high), _p(c.p)]
            for c in analysis.row_contrasts
            if c.measure == measure.name
        ]  # fmt: skip
        if rows:
            header = ["arm", "vs control", "mode", "dimension", "n", "difference", "95% CI",
                      "Welch p"]  # fmt: skip
            tables.append((f"Per row: difference from the control ({measure.label})", header, rows))
    return tables


INTRO = (
    "Mean change = mood after - mood before, on [-1, 1]. People give many rows each, and rows of "
    "one person are alike, so the intervals and tests are clustered by person: least squares with "
    "cluster-robust (CR1) standard errors by person, 95% t intervals with (people - 1) degrees of "
    "freedom. Mood drifts toward neutral by itself, so an arm's own change is not its effect: the "
    "difference from a control arm is. Holm p: adjusted across the arm contrasts of one measure, "
    "mode and dimension."
)
SECONDARY = (
    "Every row taken as independent, which it is not: shown only to compare. 95% CI: t interval "
    "of the mean. d_z: mean change / SD of change. Wilcoxon: signed-rank test of no change. "
    "Differences: Welch's t."
)


def _header(data: StudyData) -> str:
    modes = sorted(set(data.mode))
    return (
        f"Source: {data.source}; {len(data)} rows, {len(set(data.person))} people; arms: "
        f"{', '.join(sorted(set(data.arm)))}; modes: {', '.join(modes)}"
        + ("" if len(report_modes(data)) > 1 else " (one table row per arm: all modes)")
        + "."
    )


def _markdown(data: StudyData, analysis: Analysis, figures: Sequence[Path]) -> str:
    lines = ["# Mood-shift report", "", _header(data), "", INTRO, ""]
    lines += _markdown_tables(_tables(data, analysis), "##")
    lines += ["## Secondary: the per-row analysis", "", SECONDARY, ""]
    lines += _markdown_tables(_row_tables(data, analysis), "###")
    lines += ["## Figures", ""]
    lines += [f"![{f.stem}]({f.name})" for f in figures]
    return "\n".join(lines) + "\n"


def _markdown_tables(tables: list[Table], level: str) -> list[str]:
    lines: list[str] = []
    for title, header, rows in tables:
        lines += [f"{level} {title}", "", "| " + " | ".join(header) + " |"]
        lines += ["|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines += [""]
    return lines


def _html(data: StudyData, analysis: Analysis, figures: Sequence[Path]) -> str:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Mood-shift report</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}"
        "table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;"
        "padding:.25em .6em;text-align:right}img{max-width:100%}</style></head><body>",
        "<h1>Mood-shift report</h1>",
        f"<p>{html.escape(_header(data))}</p><p>{html.escape(INTRO)}</p>",
    ]
    parts += _html_tables(_tables(data, analysis), "h2")
    parts.append("<h2>Secondary: the per-row analysis</h2>")
    parts.append(f"<p>{html.escape(SECONDARY)}</p>")
    parts += _html_tables(_row_tables(data, analysis), "h3")
    parts.append("<h2>Figures</h2>")
    parts += [f"<p><img src='{f.name}' alt='{f.stem}'></p>" for f in figures]
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_tables(tables: list[Table], tag: str) -> list[str]:
    parts: list[str] = []
    for title, header, rows in tables:
        parts.append(f"<{tag}>{html.escape(title)}</{tag}><table><tr>")
        parts += [f"<th>{html.escape(h)}</th>" for h in header]
        parts.append("</tr>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>")
        parts.append("</table>")
    return parts
