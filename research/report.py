"""`moodwave report`: the mood-shift report of one exported file (or a SiTunes-like one): the
statistics of `research.effects` as Markdown and HTML tables and two CSV files, with the figures of
`research.figures`. Everything is computed from the file given, so anyone can recompute it.
"""

from __future__ import annotations

import csv
import html
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from research.effects import Analysis, analyse
from research.figures import arrows_figure, histograms_figure, minutes_figure
from research.study_data import StudyData


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
        arrows_figure(data, out_dir / "va_arrows.png"),
        histograms_figure(data, out_dir / "change_histograms.png"),
        minutes_figure(data, out_dir / "change_by_minutes.png"),
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
            tables.append((f"Change before -> after ({measure.label})", header, rows))
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
            tables.append((f"Difference from the control ({measure.label})", header, rows))
    return tables


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
