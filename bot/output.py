"""The one JSON convention of the `moodwave` commands that give results (`config`, `eval-text`,
`eval-recs`, `train-text`): `--json` prints the result as JSON on standard output instead of
text; `--output FILE` writes it as JSON to FILE."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

STDOUT = "-"


def add_json_options(parser: argparse.ArgumentParser, what: str, legacy_file: bool = False) -> None:
    """The one JSON convention: `--json` prints `what` as JSON on standard output (instead of the
    text), `--output FILE` writes it as JSON to FILE. `legacy_file`: `--json FILE` also writes FILE
    (eval-recs did so before, and scripts use it)."""
    if legacy_file:
        parser.add_argument(
            "--json",
            nargs="?",
            const=STDOUT,
            default=None,
            metavar="FILE",
            help=f"print {what} as JSON on standard output; `--json FILE` writes FILE instead, "
            "as --output FILE does (kept for scripts)",
        )
    else:
        parser.add_argument(
            "--json",
            action="store_true",
            help=f"print {what} as JSON on standard output instead of text",
        )
    parser.add_argument("--output", type=Path, metavar="FILE", help=f"write {what} as JSON to FILE")


def emit_json(args: argparse.Namespace, result: object, text: str | None = None) -> None:
    """Print and write `result` as `add_json_options` says; `text` is what a person reads when
    `--json` is not given (default: one `key: value` line per field)."""
    rendered = json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    wanted = args.json
    output: Path | None = args.output
    if isinstance(wanted, str) and wanted != STDOUT:  # the legacy `--json FILE`
        output, wanted = output or Path(wanted), False
    if output is not None:
        output.write_text(rendered + "\n", encoding="utf-8")
    print(rendered if wanted else (text if text is not None else "\n".join(_lines(result))))


def _lines(value: object, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [line for k, v in value.items() for line in _lines(v, f"{prefix}{k}.")]
    if isinstance(value, float):
        return [f"{prefix[:-1]}: {value:.4g}"]
    return [f"{prefix[:-1]}: {value}"]
