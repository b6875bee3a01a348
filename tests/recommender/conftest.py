"""Fixtures for the recommender tests: the bundled catalog loaded once, and small hand-made songs.

The catalog comes from MOODWAVE_DATA_DIR (default ../shared/data beside the repository); tests that
need it are skipped with the path looked for when it is missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from recommender.catalog import SPOTIFY_SONGS, load_spotify_songs
from recommender.songs import Song

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def spotify_csv() -> Path:
    data_dir = Path(os.environ.get("MOODWAVE_DATA_DIR") or ROOT.parent / "shared" / "data")
    path = data_dir / SPOTIFY_SONGS.relative_path
    if not path.is_file():
        pytest.skip(f"{path} not found: set MOODWAVE_DATA_DIR to the folder of the data sets")
    return path


@pytest.fixture(scope="session")
def catalog(spotify_csv: Path) -> list[Song]:
    return load_spotify_songs(spotify_csv)


SongMaker = Callable[..., Song]


@pytest.fixture(scope="session")
def make_song() -> SongMaker:
    """Build a song with just what the rankers read; the artist defaults to one per track."""

    def make(
        track_id: str,
        valence: float,
        arousal: float,
        artist: str | None = None,
        genre: str = "pop",
    ) -> Song:
        name, artist = f"Song {track_id}", artist or f"Artist {track_id}"
        return Song(track_id, name, artist, valence, arousal, (genre,))

    return make
