"""Songs from a folder of audio files: each readable file is analysed (`recommender.audio_moods`) and
becomes a `Song` with an audio mood; a file that cannot be read or analysed is reported and skipped,
and the walk goes on.

A song's track id is `audio:` plus the first 20 hex digits of the sha256 of the file's bytes, so
moving or renaming a file keeps its row, and two copies of one file are one song. Title and artist
come from the file's tags when soundfile can read them, else from the file name ("Artist - Title").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from recommender.audio_moods import (
    AudioUnreadable,
    analyse,
    read_audio,
    require_audio_libraries,
    song_from_audio,
)
from recommender.catalog import UNKNOWN, CatalogLoad
from recommender.songs import Song

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif"})


def audio_files(folder: Path) -> Iterator[Path]:
    """The audio files under `folder`, recursively, in a stable order."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in AUDIO_SUFFIXES:
            yield path


def load_audio_folder(folder: Path | str) -> CatalogLoad:
    """One song per distinct audio file under `folder`; `skipped` numbers files from 1 in walk order.

    The file names of skipped files are in their reasons, since a file has no line number.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder of audio files")
    require_audio_libraries()  # else every file would be skipped for the same missing library
    load = CatalogLoad([])
    seen: dict[str, Path] = {}
    for number, path in enumerate(audio_files(root), start=1):
        shown = path.relative_to(root)
        try:
            song = song_from_file(path)
        except (AudioUnreadable, OSError) as exc:
            load.skipped.append((number, f"{shown}: {exc}"))
            continue
        except Exception as exc:  # an analysis bug on one odd file must not stop the import
            load.skipped.append((number, f"{shown}: analysis failed ({type(exc).__name__}: {exc})"))
            continue
        if song.track_id in seen:
            load.skipped.append((number, f"{shown}: same audio as {seen[song.track_id]}"))
            continue
        seen[song.track_id] = shown
        load.songs.append(song)
    return load


def song_from_file(path: Path) -> Song:
    """The song of one audio file; raises `AudioUnreadable` or `OSError`."""
    track_id = "audio:" + _content_hash(path)
    samples, rate = read_audio(path)
    name, artist = _title_and_artist(path)
    return song_from_audio(track_id, name, artist, analyse(samples, rate))


def _content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()[:20]


def _title_and_artist(path: Path) -> tuple[str, str]:
    import soundfile

    try:
        with soundfile.SoundFile(str(path)) as f:
            tags = f.copy_metadata()
    except (RuntimeError, soundfile.LibsndfileError):
        tags = {}
    stem_artist, _, stem_title = path.stem.partition(" - ")
    if not stem_title:
        stem_artist, stem_title = "", path.stem
    title = (tags.get("title") or stem_title).strip() or path.stem
    artist = (tags.get("artist") or stem_artist).strip() or UNKNOWN
    return title, artist
