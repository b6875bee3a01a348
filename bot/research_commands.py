"""`moodwave export` and `moodwave report`: the operator's research tools. They run on the server
against the database (or a file); nothing of them is reachable from a chat.

    moodwave export --out DIR [--format csv|parquet]
    moodwave report --out DIR [--input FILE [--input-format export|situnes] [--scale LOW,HIGH]]

`report` without `--input` exports first (into `--out`) and reports from that file, so the numbers
always come from a file anyone can reopen.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.settings import Settings
from storage import make_engine
from storage.engine import missing_sqlite_file
from storage.migrate import current_revision, head_revision


class ResearchError(Exception):
    """A research command cannot run as asked; the message says why and what to do."""


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="folder for the export")
    parser.add_argument(
        "--format", choices=("csv", "parquet"), default="csv", help="the export's file format"
    )
    parser.add_argument(
        "--chunk", type=int, default=2000, help="recommendations read per step (memory bound)"
    )


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="folder for the report")
    parser.add_argument(
        "--input", type=Path, help="an exported file (or a SiTunes-like CSV); default: export now"
    )
    parser.add_argument(
        "--input-format",
        choices=("export", "situnes"),
        default="export",
        help="what --input holds: a `moodwave export` file or a SiTunes-like CSV",
    )
    parser.add_argument(
        "--scale",
        default="-1,1",
        help="SiTunes-like ratings' range, LOW,HIGH (e.g. 1,5 or 1,9); they are mapped to [-1, 1]",
    )


def _require_research_part() -> None:
    """The export writes with pyarrow, the report draws with matplotlib and fits with statsmodels:
    moodwave's optional research part."""
    try:
        import matplotlib  # noqa: F401
        import pyarrow  # noqa: F401
        import statsmodels  # noqa: F401
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"The research export and report need {exc.name}, an optional part of moodwave: "
            "pip install 'moodwave[research]'",
            name=exc.name,
        ) from exc


def export(args: argparse.Namespace, settings: Settings) -> str:
    _require_research_part()
    from storage.export import export_study

    if settings.research_secret is None:
        raise ResearchError(
            "set MOODWAVE_RESEARCH_SECRET (16+ characters, kept private) first: it keys the "
            "pseudonymous person and recommendation ids, so the same secret gives the same ids "
            "in every export"
        )
    missing = missing_sqlite_file(settings.effective_database_url)
    if missing is not None:
        raise ResearchError(f"there is no database at {missing} (MOODWAVE_DATABASE_URL)")
    engine = make_engine(settings.effective_database_url)
    current, head = current_revision(engine), head_revision()
    if current != head:  # the export only reads: migrating is the operator's decision
        raise ResearchError(
            f"the database's schema is at revision {current or '(empty: no tables)'}, not the "
            f"latest ({head}); the export never changes the database: check "
            "MOODWAVE_DATABASE_URL, or run `moodwave db upgrade` first"
        )
    note = (
        f"Research arms: {settings.research_arms or '(none: no randomisation)'}; "
        f"assignment seed: {settings.research_seed!r}."
    )
    try:
        summary = export_study(
            engine,
            args.out,
            args.format,
            settings.research_secret.get_secret_value(),
            chunk=args.chunk,
            note=note,
        )
    except ValueError as exc:
        raise ResearchError(str(exc)) from None
    return (
        f"{summary.rows} rows of {summary.people} consenting people -> {summary.path}\n"
        f"songs -> {summary.songs}; reactions -> {summary.reactions}\n"
        f"codebook -> {summary.dictionary} and {summary.datapackage}"
    )


def report(args: argparse.Namespace, settings: Settings) -> str:
    _require_research_part()
    from research.report import write_report
    from research.study_data import load_export, load_situnes

    lines: list[str] = []
    source: Path | None = args.input
    if source is None:
        lines.append(export(argparse.Namespace(out=args.out, format="csv", chunk=2000), settings))
        source = args.out / "recommendations.csv"
    if not source.is_file():
        raise ResearchError(f"{source} is not a file")
    try:
        if args.input_format == "situnes":
            data = load_situnes(source, _scale(args.scale))
        else:
            data = load_export(source)
    except ValueError as exc:
        raise ResearchError(f"cannot read {source}: {exc}") from None
    if len(data) == 0:
        raise ResearchError(f"{source} has no rows to analyse")
    files = write_report(data, args.out)
    lines.append(f"report -> {files.markdown} and {files.html} ({len(data)} rows)")
    return "\n".join(lines)


def _scale(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise ResearchError(f"--scale wants LOW,HIGH, like 1,5; got {text!r}") from None
    return low, high
