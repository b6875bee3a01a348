"""The command line's conventions: `--version`; every subcommand's help says what it does, shows
each option's default and one example; one JSON convention (`--json` to standard output,
`--output FILE` to a file, eval-recs' `--json FILE` kept); errors on standard error."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import _parser, main
from bot.cli.usage import EXAMPLES, version
from bot.output import add_json_options, emit_json


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("MOODWAVE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("MOODWAVE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "2000")  # help on one line per option: no hyphen breaks


def subcommands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from subcommands(sub, (*path, name))


ALL = list(subcommands(_parser()))


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"moodwave {version()}"
    assert version() != "unknown"  # the installed package's own version


def test_every_subcommand_is_covered() -> None:
    assert {" ".join(path) for path, _ in ALL} == set(EXAMPLES)
    assert len(ALL) >= 20


@pytest.mark.parametrize("path,parser", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_help_says_what_shows_defaults_and_an_example(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    text = " ".join(parser.format_help().split())  # unwrapped
    assert parser.description, f"moodwave {' '.join(path)} does not say what it does"
    assert f"example: moodwave {' '.join(path)}" in text or (
        path == ("worker",) and "example: MOODWAVE_WORKER_TOKEN=<secret> moodwave worker" in text
    )
    for action in parser._actions:
        if action.default in (None, False, argparse.SUPPRESS, []) or action.dest == "help":
            continue
        if isinstance(action, argparse._SubParsersAction):
            continue
        shown = ",".join(action.default) if isinstance(action.default, tuple) else action.default
        assert action.help, f"{action.option_strings or action.dest} has no help"
        assert f"{shown}" in text, f"the default of {action.option_strings} is not shown"


def test_json_prints_to_stdout_and_output_writes_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "--json"]) == 0
    captured = capsys.readouterr()
    shown = json.loads(captured.out)
    assert shown["home"] == str(tmp_path / "home")
    assert captured.err == ""

    out = tmp_path / "settings.json"
    assert main(["config", "--output", str(out)]) == 0
    assert json.loads(out.read_text()) == shown
    assert capsys.readouterr().out.startswith("MOODWAVE_")  # the text, for a person


@pytest.mark.parametrize(
    "argv,stdout_json,file_name",
    [
        (["--json"], True, None),
        (["--json", "legacy.json"], False, "legacy.json"),  # eval-recs as scripts call it
        (["--output", "new.json"], False, "new.json"),
        (["--json", "--output", "both.json"], True, "both.json"),
        ([], False, None),
    ],
)
def test_the_json_convention_with_the_legacy_file_argument(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdout_json: bool,
    file_name: str | None,
) -> None:
    parser = argparse.ArgumentParser()
    add_json_options(parser, "the report", legacy_file=True)
    args = parser.parse_args([str(tmp_path / a) if a.endswith(".json") else a for a in argv])
    report = {"rankers": {"nearest": {"ndcg@10": 0.25}}}

    emit_json(args, report, "the table")

    out = capsys.readouterr().out
    assert (json.loads(out) == report) if stdout_json else (out == "the table\n")
    written = sorted(p.name for p in tmp_path.glob("*.json"))
    assert written == ([file_name] if file_name else [])
    if file_name:
        assert json.loads((tmp_path / file_name).read_text()) == report


def test_eval_recs_accepts_json_file_and_output(tmp_path: Path) -> None:
    eval_recs = dict(ALL)[("eval-recs",)]
    legacy = eval_recs.parse_args(["--preset", "hetrec", "--json", "r.json"])
    assert legacy.json == "r.json" and legacy.output is None
    flag = eval_recs.parse_args(["--json", "--preset", "hetrec"])
    assert flag.json == "-" and flag.preset == "hetrec"


def test_errors_go_to_standard_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "give a text" in captured.err

    with pytest.raises(SystemExit) as exited:
        main(["no-such-command"])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "invalid choice" in captured.err
