"""`moodwave export` and `moodwave report`: the research tools (`bot.research_commands`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bot import research_commands
from bot.cli.subcommands import Subcommands
from bot.research_commands import add_export_arguments, add_report_arguments
from bot.settings import Settings


def add_to(sub: Subcommands) -> None:
    research_export = sub.add_parser(
        "export", help="research: consenting people's recommendations as CSV or Parquet"
    )
    add_export_arguments(research_export)
    research_export.set_defaults(handler=_export)

    research_report = sub.add_parser(
        "report", help="research: mood-shift statistics and figures from an export"
    )
    add_report_arguments(research_report)
    research_report.set_defaults(handler=_report)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    return _research(research_commands.export, args, settings)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    return _research(research_commands.report, args, settings)


def _research(
    command: Callable[[argparse.Namespace, Settings], str],
    args: argparse.Namespace,
    settings: Settings,
) -> int:
    try:
        print(command(args, settings))
    except research_commands.ResearchError as exc:
        print(f"moodwave: {exc}", file=sys.stderr)
        return 2
    return 0
