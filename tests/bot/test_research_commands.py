"""`moodwave export` and `moodwave report` at the command line: the research secret is required, no
secret is ever printed, and the export never creates or migrates the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.cli import main
from storage import make_engine, upgrade
from storage.migrate import alembic_config, current_revision

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
    assert main(["db", "upgrade"]) == 0
    assert main(["report", "--out", str(tmp_path / "r")]) == 2  # an empty database: nothing yet
    assert "no rows" in capsys.readouterr().err
    assert main(["export", "--out", str(tmp_path / "x"), "--format", "parquet"]) == 0
    output = capsys.readouterr()
    assert SECRET not in output.out + output.err
    assert (tmp_path / "x" / "recommendations.parquet").is_file()
    assert (tmp_path / "x" / "data_dictionary.md").is_file()
    assert (tmp_path / "x" / "datapackage.json").is_file()
    assert (tmp_path / "x" / "songs.parquet").is_file()


def test_export_refuses_a_database_it_would_have_to_create_or_migrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "study.db"
    monkeypatch.setenv("MOODWAVE_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("MOODWAVE_RESEARCH_SECRET", SECRET)
    out = tmp_path / "x"
    assert main(["export", "--out", str(out)]) == 2  # no database at all: none is created
    assert "no database" in capsys.readouterr().err and not database.exists()
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect():
        pass  # an empty file, no tables
    for revision in (None, previous_revision()):
        if revision:
            upgrade(engine, revision)
        tables_before = set(inspect(engine).get_table_names())
        assert main(["export", "--out", str(out)]) == 2
        assert "moodwave db upgrade" in capsys.readouterr().err
        assert current_revision(engine) == revision  # left as it was
        assert set(inspect(engine).get_table_names()) == tables_before
    assert not out.exists()
    upgrade(engine)
    assert main(["export", "--out", str(out)]) == 0
    engine.dispose()


def previous_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_revision(script.get_current_head() or "")
    assert head is not None and isinstance(head.down_revision, str)
    return head.down_revision
