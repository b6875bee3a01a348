"""`moodwave export` and `moodwave report` at the command line: the research secret is required, and
no secret is ever printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

SECRET = "a-research-secret-of-some-length"


def test_export_command_needs_the_research_secret_and_writes_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOODWAVE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MOODWAVE_RESEARCH_SECRET", raising=False)
    monkeypatch.delenv("MOODWAVE_DATABASE_URL", raising=False)
    assert main(["export", "--out", str(tmp_path / "x")]) == 2
    assert "MOODWAVE_RESEARCH_SECRET" in capsys.readouterr().err
    monkeypatch.setenv("MOODWAVE_RESEARCH_SECRET", SECRET)
    assert main(["report", "--out", str(tmp_path / "r")]) == 2  # an empty database: nothing yet
    assert "no rows" in capsys.readouterr().err
    assert main(["export", "--out", str(tmp_path / "x"), "--format", "parquet"]) == 0
    output = capsys.readouterr()
    assert SECRET not in output.out + output.err
    assert (tmp_path / "x" / "recommendations.parquet").is_file()
    assert (tmp_path / "x" / "data_dictionary.md").is_file()
