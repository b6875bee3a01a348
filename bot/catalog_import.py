"""`moodwave catalog import`: put songs from a source into the catalog and print what happened.

Sources: the Spotify songs data set (the default), any CSV through a column mapping, a folder of
audio files, and the tracks of a Spotify playlist (metadata only). Songs whose mood is unknown or
weak get their artist's Last.fm tag mood when the data directory has the HetRec tags (`--no-tags`
turns that off). The import is an upsert by track id: running it again changes nothing, and a
stored mood is never replaced by a less confident one. Row problems are listed with their line;
the command fails (exit 2) only when nothing can be read at all: a bad mapping, a missing file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from bot.catalog import song_from_row
from datafiles import DatasetUnavailable
from recommender.catalog import SPOTIFY_SONGS, CatalogLoad, load_spotify_catalog
from recommender.csv_source import ColumnMapping, CsvMappingError, load_csv_songs
from recommender.importing import ImportReport, import_songs
from recommender.songs import Song
from recommender.spotify_source import PlaylistClient, load_playlist_songs
from recommender.tag_moods import (
    HETREC_FOLDER,
    TagMoodEstimator,
    artist_moods,
    load_hetrec_artist_tags,
    with_tag_moods,
)
from storage import SongStore

SOURCES = ("dataset", "csv", "audio", "playlist")
EXIT_BAD_INPUT = 2


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `moodwave catalog import`, for `bot/cli/catalog.py` to attach to its subparser."""
    parser.add_argument(
        "--source", choices=SOURCES, default="dataset", help="where songs come from"
    )
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        help="the CSV file (csv), the folder (audio), or a data set file",
    )
    parser.add_argument("--playlist", help="Spotify playlist id, URI or URL (source playlist)")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN,...",
        help="CSV column of each song field, e.g. track_id=id,name=title,artist=artist,valence=val,arousal=energy",
    )
    parser.add_argument(
        "--scale",
        action="append",
        default=[],
        metavar="FIELD=LOW:HIGH",
        help="range of a CSV mood column, mapped to [-1, 1], e.g. valence=0:1 (default -1:1)",
    )
    parser.add_argument("--mood-source", default="csv", help="mood source recorded for CSV moods")
    parser.add_argument(
        "--mood-confidence", type=float, default=1.0, help="confidence of CSV moods"
    )
    parser.add_argument(
        "--no-tags", action="store_true", help="do not fill moods from Last.fm tags"
    )
    parser.add_argument("--show", type=int, default=20, help="problems listed in the summary")


def run_import(
    args: argparse.Namespace,
    store: SongStore,
    data_dir: Path | None,
    cache_dir: Path,
    out: TextIO,
    spotify: PlaylistClient | None = None,
    err: TextIO | None = None,
) -> int:
    """Run one import and print its summary on `out`; why nothing could be imported goes to `err`
    (standard error). Returns the exit status."""
    try:
        load, label = _read(args, data_dir, cache_dir, spotify)
    except (CsvMappingError, FileNotFoundError, DatasetUnavailable, ValueError) as exc:
        print(f"moodwave catalog import: {exc}", file=err or sys.stderr)
        return EXIT_BAD_INPUT
    songs = load.songs
    if args.source != "dataset" and not args.no_tags:
        songs = _with_tags(songs, data_dir, out)
    report = ImportReport(label, problems=list(load.skipped), warnings=list(load.warnings))
    existing = None if args.source == "dataset" else _stored(store)
    import_songs(store, songs, report, existing)
    print(report.summary(shown=args.show), file=out)
    return 0


def _read(
    args: argparse.Namespace, data_dir: Path | None, cache_dir: Path, spotify: PlaylistClient | None
) -> tuple[CatalogLoad, str]:
    if args.source == "dataset":
        path = args.path or SPOTIFY_SONGS.resolve(data_dir, cache_dir)
        return load_spotify_catalog(path), str(path)
    if args.source == "csv":
        path = _required_path(args, "a CSV file")
        mapping = ColumnMapping.parse(args.map, args.scale)
        return load_csv_songs(path, mapping, args.mood_source, args.mood_confidence), str(path)
    if args.source == "audio":
        from recommender.audio_source import load_audio_folder  # librosa loads only when needed

        path = _required_path(args, "a folder of audio files")
        return load_audio_folder(path), str(path)
    if not args.playlist:
        raise ValueError("--source playlist needs --playlist ID_OR_URL")
    if spotify is None:
        raise ValueError(
            "importing a playlist needs Spotify: set MOODWAVE_SPOTIFY_CLIENT_ID and "
            "MOODWAVE_SPOTIFY_CLIENT_SECRET"
        )
    return load_playlist_songs(spotify, args.playlist), f"playlist {args.playlist}"


def _required_path(args: argparse.Namespace, what: str) -> Path:
    if args.path is None:
        raise ValueError(f"--source {args.source} needs PATH: {what}")
    if not Path(args.path).exists():
        raise FileNotFoundError(f"{args.path} does not exist")
    return Path(args.path)


def _with_tags(songs: list[Song], data_dir: Path | None, out: TextIO) -> list[Song]:
    if data_dir is None or not (data_dir / HETREC_FOLDER).is_dir():
        print(
            "catalog import: no HetRec Last.fm tags in the data directory; moods from tags skipped",
            file=out,
        )
        return songs
    estimator = TagMoodEstimator.from_data_dir(data_dir)
    moods = artist_moods(estimator, load_hetrec_artist_tags(data_dir / HETREC_FOLDER))
    return with_tag_moods(songs, moods)


def _stored(store: SongStore) -> dict[str, Song]:
    return {row.track_id: song_from_row(row) for row in store.all_songs()}
