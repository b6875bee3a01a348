"""The console chat as a user runs it: `moodwave chat` in a subprocess, fed a script on stdin, on the
full bundled catalog; then the database is checked for every step of the loop."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.adapters.console import parse_line, render
from bot.core.events import Button, Command, Outgoing, PlaylistEntry, TextMessage, VoiceNote
from storage import make_engine
from storage.models import CheckIn, MoodReport, Reaction, Recommendation, User
from tests.bot.conftest import SQLITE_ONLY


def chat(script: str, env: dict[str, str], user: str = "tester") -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--user", user],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def console_env(tmp_path: Path, data_dir: Path, database_url: str, delay: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODWAVE_")}
    env.update(
        MOODWAVE_HOME=str(tmp_path / "home"),
        MOODWAVE_DATA_DIR=str(data_dir),
        MOODWAVE_DATABASE_URL=database_url,
        MOODWAVE_CHECKIN_DELAY=delay,
        MOODWAVE_CHECKIN_POLL_SECONDS="3600",  # only the after-each-line runs: deterministic
    )
    return env


# SQLITE_ONLY: the console's own behaviour; the conversation's rows on PostgreSQL are tested in
# tests/bot/test_conversation.py, and a restart on both back ends below.
@SQLITE_ONLY
def test_whole_loop_on_the_console(tmp_path: Path, data_dir: Path, database_url: str) -> None:
    script = (
        "\n".join(
            [
                "/start",
                "/mode lift",
                "I feel drained and sad after a long week",
                "like 1",
                "dislike 2",
                "skip 3",
                "a bit better now, calm and hopeful",
                "/feel fine",
                "/dance",
                "",
                "like 42",
            ]
        )
        + "\n"
    )
    out = chat(script, console_env(tmp_path, data_dir, database_url, "0"))
    assert "Hi, I'm Moodwave" in out
    assert "lift me up" in out
    assert " 1. " in out and "10. " in out and "open.spotify.com/track/" in out
    assert "How do you feel now?" in out
    assert "Before:" in out and "Now:" in out
    assert "no check-in waiting" in out
    assert "don't know the command /dance" in out
    assert "didn't catch anything" in out
    assert "can't find that song" in out
    assert out.rstrip().endswith("Bye for now.")

    with Session(make_engine(database_url)) as s:
        (user,) = s.exec(select(User)).all()
        assert user.external_id == "console:tester" and user.preferred_mode == "lift"
        reports = s.exec(select(MoodReport).order_by(MoodReport.id)).all()
        assert [r.source for r in reports] == ["text", "checkin"]
        (rec,) = s.exec(select(Recommendation)).all()
        assert rec.mode == "lift" and rec.mood_report_id == reports[0].id
        assert sorted(r.kind for r in s.exec(select(Reaction))) == ["dislike", "like", "skip"]
        (checkin,) = s.exec(select(CheckIn)).all()
        assert checkin.status == "answered"
        assert (checkin.mood_before_id, checkin.mood_after_id) == (reports[0].id, reports[1].id)


def test_checkin_survives_a_restart(tmp_path: Path, data_dir: Path, database_url: str) -> None:
    env = console_env(tmp_path, data_dir, database_url, "1")  # due one second after the playlist
    first = chat("I feel lonely and sad\n", env)
    assert "How do you feel now?" not in first
    time.sleep(1.5)
    second = chat("happier, thanks\n", env)
    assert "How do you feel now?" in second
    assert "Before:" in second
    with Session(make_engine(database_url)) as s:
        (checkin,) = s.exec(select(CheckIn)).all()
        assert checkin.status == "answered" and checkin.mood_after_id is not None


def test_end_of_input_right_away_exits_cleanly(tmp_path: Path, data_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    out = chat("", console_env(tmp_path, data_dir, url, "3600"))
    assert out.rstrip().endswith("Bye for now.")


def test_typed_lines_become_events() -> None:
    assert parse_line("/mode lift") == Command("mode", ("lift",))
    assert parse_line("like 3") == Command("like", ("3",))
    assert parse_line("Dislike 12") == Command("dislike", ("12",))
    assert parse_line("I like 3 songs") == TextMessage("I like 3 songs")
    assert parse_line("like it") == TextMessage("like it")


def test_render_shows_songs_and_options() -> None:
    out = Outgoing(
        "Here you go",
        buttons=((Button("lift me up", "mode:lift"),),),
        entries=(
            PlaylistEntry(5, 1, "Song", "Band", "bright and upbeat", "https://x", "https://v"),
        ),
    )
    text = render(out)
    assert " 1. Song - Band" in text and "bright and upbeat" in text
    assert "video: https://v" in text
    assert "/mode lift (lift me up)" in text and "like N" in text


def test_a_path_to_an_audio_file_is_a_voice_note(tmp_path: Path) -> None:
    note = tmp_path / "note.ogg"
    note.write_bytes(b"OggS fake bytes")
    assert parse_line(str(note)) == VoiceNote(b"OggS fake bytes", "audio/ogg")
    assert parse_line(f"/voice '{note}'") == VoiceNote(b"OggS fake bytes", "audio/ogg")
    assert parse_line("missing.ogg") == TextMessage("missing.ogg")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_console_opens_without_third_party_noise(tmp_path: Path, data_dir: Path) -> None:
    """The greeting is the first thing a person sees: no weight-loading bar or report from
    transformers, no deprecation notice from torch, nothing at all on stderr (the default model,
    the student transformer, loads here)."""
    env = console_env(tmp_path, data_dir, f"sqlite:///{tmp_path / 'm.db'}", "3600")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--user", "quiet"],
        input="I feel calm\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("moodwave> Loading the catalog and the mood model...\n")
    assert "Moodwave console" in result.stdout.splitlines()[1]


@SQLITE_ONLY
def test_language_es_answers_in_spanish_from_greeting_to_checkin(
    tmp_path: Path, data_dir: Path, database_url: str
) -> None:
    script = "/language es\n/start\nme siento triste y cansado\nun poco mejor, tranquilo\n"
    out = chat(script, console_env(tmp_path, data_dir, database_url, "0"))
    assert "a partir de ahora respondo en Español" in out
    assert "Hola, soy Moodwave" in out
    assert "investigar sobre música" in out  # the consent question
    assert "Suenas " in out and "Modo: acompañar mi ánimo" in out
    assert "¿Cómo te sientes ahora?" in out and "Antes sonabas" in out
    assert "Gracias por contármelo. Antes:" in out
    for english in ("Hi, I'm Moodwave", "You sound", "How do you feel now?", "Before:"):
        assert english not in out
    with Session(make_engine(database_url)) as s:
        (user,) = s.exec(select(User)).all()
        assert user.language == "es"
        (checkin,) = s.exec(select(CheckIn)).all()
        assert checkin.status == "answered"
