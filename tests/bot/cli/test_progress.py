"""Long commands show a progress bar on a terminal and stay quiet when their output goes to a file
or a pipe: `moodwave catalog import` run both ways (a pseudo-terminal stands in for a person's)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def import_command(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    songs = tmp_path / "songs.csv"
    rows = [f"id{i},Song {i},Artist {i % 40},{(i % 10) / 10},{(i % 7) / 7}" for i in range(5000)]
    songs.write_text("id,title,artist,val,energy\n" + "\n".join(rows) + "\n")
    argv = [
        sys.executable,
        "-m",
        "bot.cli",
        "catalog",
        "import",
        "--source",
        "csv",
        str(songs),
        "--map",
        "track_id=id,name=title,artist=artist,valence=val,arousal=energy",
        "--scale",
        "valence=0:1",
        "--scale",
        "arousal=0:1",
        "--no-tags",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODWAVE_")}
    env.update(MOODWAVE_HOME=str(tmp_path / "home"), COLUMNS="100")
    return argv, env


def test_a_terminal_sees_the_bar(tmp_path: Path) -> None:
    argv, env = import_command(tmp_path)
    leader, follower = pty.openpty()
    # 30 rows of 100 columns, as a terminal window says (a new pseudo-terminal has 0: no room).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    with subprocess.Popen(
        argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=follower
    ) as process:
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal's other end closed: the command is done
                break
            if not chunk:
                break
            seen += chunk
        assert process.wait(300) == 0, seen.decode(errors="replace")
    os.close(leader)
    text = seen.decode(errors="replace")
    assert "import: 100%" in text and "5000/5000" in text and "song/s" in text


def test_a_pipe_gets_no_bar(tmp_path: Path) -> None:
    argv, env = import_command(tmp_path)
    result = subprocess.run(
        argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "5000 added" in result.stdout
    assert "%|" not in result.stderr and "song/s" not in result.stderr
    assert "%|" not in result.stdout


pytestmark = pytest.mark.timeout(600)
