"""A folder of audio becomes songs: ids from content, names from tags or file names, and broken,
empty or silent files reported and skipped while the rest import."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recommender.audio_source import load_audio_folder

RATE = 22_050


def beat(bpm: float, seconds: float = 6.0, seed: int = 0) -> np.ndarray:
    """Noise clicks on every beat over a quiet tone: enough for tempo and loudness."""
    t = np.arange(int(seconds * RATE)) / RATE
    signal = 0.1 * np.sin(2 * np.pi * 330 * t)
    rng = np.random.default_rng(seed)
    for start in (np.arange(0.0, seconds, 60.0 / bpm) * RATE).astype(int):
        click = rng.normal(0, 0.5, 300) * np.exp(-np.arange(300) / 50)
        signal[start : start + 300] += click[: len(signal) - start]
    return signal


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    import soundfile

    soundfile.write(tmp_path / "Band - Fast One.wav", beat(140), RATE)
    nested = tmp_path / "album"
    nested.mkdir()
    with soundfile.SoundFile(nested / "slow.flac", "w", RATE, 1, format="FLAC") as f:
        f.title, f.artist = "Slow One", "Other Band"
        f.write(beat(80, seed=1))
    (tmp_path / "broken.mp3").write_bytes(b"ID3 this is not audio at all")
    (tmp_path / "empty.ogg").write_bytes(b"")
    soundfile.write(tmp_path / "silence.wav", np.zeros(RATE * 2), RATE)
    (tmp_path / "notes.txt").write_text("not audio, not looked at")
    return tmp_path


def test_readable_files_import_and_the_rest_are_reported(folder: Path) -> None:
    load = load_audio_folder(folder)
    by_name = {s.name: s for s in load.songs}
    assert set(by_name) == {"Fast One", "Slow One"}
    assert by_name["Fast One"].artist == "Band" and by_name["Slow One"].artist == "Other Band"
    assert by_name["Fast One"].features["tempo"] == pytest.approx(140, rel=0.02)
    assert by_name["Fast One"].arousal > by_name["Slow One"].arousal
    reasons = " | ".join(reason for _, reason in load.skipped)
    assert len(load.skipped) == 3
    for name in ("broken.mp3", "empty.ogg", "silence.wav"):
        assert name in reasons


def test_ids_follow_the_content_not_the_path(folder: Path) -> None:
    first = {s.name: s.track_id for s in load_audio_folder(folder).songs}
    (folder / "Band - Fast One.wav").rename(folder / "album" / "Band - Fast One.wav")
    (folder / "album" / "copy.wav").write_bytes(
        (folder / "album" / "Band - Fast One.wav").read_bytes()
    )
    again = load_audio_folder(folder)
    assert {s.name: s.track_id for s in again.songs} == first
    assert any("same audio as" in reason for _, reason in again.skipped)


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_audio_folder(tmp_path / "nowhere")
