"""The bundled song catalog: the TidyTuesday Spotify songs data set (2020-01-21) read into `Song`s.

Each track appears once per playlist it was found in, so rows are merged by `track_id` (the first
row gives the fields, all rows give the genres). A song's mood comes from its Spotify audio
features: valence from `valence`, arousal from `energy`, both mapped from [0, 1] to [-1, 1]. A row
whose numbers do not parse is skipped and reported, never guessed at.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from datafiles import DataFile
from recommender.songs import Song

SPOTIFY_SONGS = DataFile(
    "tidytuesday_spotify_songs/spotify_songs.csv",
    # A commit, not a branch: a branch moves, and the file behind it with it.
    "https://raw.githubusercontent.com/rfordatascience/tidytuesday/"
    "2c423bacc57e4632ff8550557e0bc823eefa31ab/data/2020/2020-01-21/spotify_songs.csv",
    "9902920cfe4940f0914ebb6716801a42f7f19ac88fbd6693eaae7e2822b16845",
    "MIT (repository); values from the Spotify Web API",
)

MOOD_SOURCE = "spotify-features"
UNKNOWN = "Unknown"
# The file was written by R: a missing text value is the string "NA".
_MISSING = frozenset({"", "NA"})

FEATURE_COLUMNS = (
    "danceability",
    "energy",
    "tempo",
    "acousticness",
    "instrumentalness",
    "loudness",
    "speechiness",
    "liveness",
    "mode",
)


@dataclass(frozen=True)
class CatalogLoad:
    """The songs read, the file lines skipped with the reason for each, and lines read with a remark
    (e.g. text that was not UTF-8 and was read as Latin-1)."""

    songs: list[Song]
    skipped: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Track:
    """One track while its rows are being merged."""

    song: Song
    genres: set[str]
    subgenres: set[str]


def load_spotify_songs(path: Path | str) -> list[Song]:
    """The catalog's songs, one per track id, in the order they first appear in the file."""
    return load_spotify_catalog(path).songs


def load_spotify_catalog(path: Path | str) -> CatalogLoad:
    """Like `load_spotify_songs`, also saying which lines were skipped and why."""
    tracks: dict[str, _Track] = {}
    skipped: list[tuple[int, str]] = []
    with Path(path).open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for row in reader:
            line = reader.line_num
            track_id = (row.get("track_id") or "").strip()
            if not track_id:
                skipped.append((line, "no track_id"))
                continue
            known = tracks.get(track_id)
            if known is None:
                try:
                    known = tracks[track_id] = _Track(_song(track_id, row), set(), set())
                except ValueError as exc:
                    skipped.append((line, str(exc)))
                    continue
            known.genres.update(_present(row.get("playlist_genre")))
            known.subgenres.update(_present(row.get("playlist_subgenre")))
    songs = [_with_genres(t) for t in tracks.values()]
    return CatalogLoad(songs, skipped)


def _song(track_id: str, row: dict[str, str]) -> Song:
    """A song from its first row; raises ValueError naming the column that does not parse."""
    features = {column: _number(row, column) for column in FEATURE_COLUMNS}
    valence = 2.0 * _number(row, "valence") - 1.0
    arousal = 2.0 * features["energy"] - 1.0
    return Song(
        track_id=track_id,
        name=_text(row.get("track_name"), UNKNOWN),
        artist=_text(row.get("track_artist"), UNKNOWN),
        valence=max(-1.0, min(1.0, valence)),
        arousal=max(-1.0, min(1.0, arousal)),
        album=_text(row.get("track_album_name"), ""),
        popularity=int(_number(row, "track_popularity")),
        duration_ms=int(_number(row, "duration_ms")),
        mood_source=MOOD_SOURCE,
        spotify_id=track_id,
        features=features,
    )


def _with_genres(track: _Track) -> Song:
    return replace(
        track.song, genres=tuple(sorted(track.genres)), subgenres=tuple(sorted(track.subgenres))
    )


def _number(row: dict[str, str], column: str) -> float:
    raw = row.get(column)
    try:
        value = float(raw) if raw is not None else float("nan")
    except ValueError:
        raise ValueError(f"{column} is not a number: {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{column} is missing or not finite: {raw!r}")
    return value


def _text(raw: str | None, default: str) -> str:
    value = (raw or "").strip()
    return default if value in _MISSING else value


def _present(raw: str | None) -> list[str]:
    value = (raw or "").strip()
    return [] if value in _MISSING else [value]
