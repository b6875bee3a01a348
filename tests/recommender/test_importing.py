"""Imports are idempotent upserts with honest counts: the default catalog into SQLite and
PostgreSQL twice (the second changes nothing), a playlist that never weakens a stored mood, and the
`moodwave catalog import` command on a CSV with bad rows."""

from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import Any

from bot.catalog import song_from_row
from bot.catalog_import import add_import_arguments, run_import
from recommender.catalog import SPOTIFY_SONGS, load_spotify_catalog
from recommender.importing import ImportReport, import_songs
from recommender.songs import Song
from recommender.spotify_source import load_playlist_songs
from storage import Store


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_import_arguments(parser)
    return parser.parse_args(argv)


class FakePlaylists:
    """spotipy's `playlist_items`, paging a fixed list of entries (new `item` and old `track` keys)."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries
        self.calls: list[tuple[int, int]] = []

    def playlist_items(
        self,
        playlist_id: str,
        fields: str | None = None,
        limit: int = 50,
        offset: int = 0,
        market: str | None = None,
        additional_types: Any = ("track",),
    ) -> dict[str, Any]:
        self.calls.append((offset, limit))
        page = self.entries[offset : offset + limit]
        more = offset + limit < len(self.entries)
        return {"items": page, "next": "more" if more else None}


def _track(
    track_id: str, name: str, artist: str, key: str = "item", **extra: Any
) -> dict[str, Any]:
    track = {"type": "track", "id": track_id, "name": name, "artists": [{"name": artist}]}
    return {key: {**track, **extra}, "is_local": False}


def test_the_default_catalog_imports_once(store: Store, data_dir: Path) -> None:
    load = load_spotify_catalog(data_dir / SPOTIFY_SONGS.relative_path)
    first = import_songs(store, load.songs, ImportReport("spotify"))
    assert (first.added, first.updated, first.unchanged) == (len(load.songs), 0, 0)
    assert store.song_count() == len(load.songs) > 28_000
    second = import_songs(store, load.songs, ImportReport("spotify"))
    assert (second.added, second.updated, second.unchanged) == (0, 0, len(load.songs))
    assert store.song_count() == len(load.songs)


def test_changed_fields_update_and_duplicates_are_reported(store: Store) -> None:
    a, b = Song("a", "A", "X", 0.1, 0.2), Song("b", "B", "Y", 0.3, 0.4)
    import_songs(store, [a, b], ImportReport("t"))
    report = import_songs(store, [a, Song("b", "B2", "Y", 0.3, 0.4), a], ImportReport("t"))
    assert (report.added, report.updated, report.unchanged, report.skipped) == (0, 1, 1, 1)
    assert "again" in report.problems[0][1]
    assert {row.name for row in store.all_songs()} == {"A", "B2"}


def test_a_playlist_never_weakens_a_stored_mood(store: Store) -> None:
    known = Song("sp1", "Known", "X", 0.8, -0.2, features={"tempo": 100.0})
    import_songs(store, [known], ImportReport("dataset"))
    client = FakePlaylists(
        [_track(f"sp{i}", f"Song {i}", "Band", explicit=i % 2 == 0) for i in range(1, 121)]
        + [
            {"item": None},
            {"item": {"type": "episode", "id": "e1"}},
            _track("sp3", "Dup", "Band", key="track"),
        ]
    )
    load = load_playlist_songs(client, "playlist-id")
    assert len(load.songs) == 120 and [p for p, _ in load.skipped] == [121, 122, 123]
    assert client.calls == [(0, 50), (50, 50), (100, 50)]
    stored = {row.track_id: song_from_row(row) for row in store.all_songs()}
    report = import_songs(store, load.songs, ImportReport("playlist"), stored)
    assert (report.added, report.updated) == (119, 1)
    rows = {row.track_id: song_from_row(row) for row in store.all_songs()}
    assert (rows["sp1"].valence, rows["sp1"].mood_source) == (0.8, "spotify-features")
    assert rows["sp1"].features == {"tempo": 100.0, "explicit": 0.0}
    assert rows["sp2"].mood_confidence == 0.0 and rows["sp2"].explicit


def test_the_import_command_reports_bad_rows_and_is_idempotent(
    store: Store, tmp_path: Path
) -> None:
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text("id,title,artist,val,energy\nx1,One,A,0.2,0.9\nx2,Two,B,2,0.1\n")
    argv = [
        "--source",
        "csv",
        str(csv_path),
        "--map",
        "track_id=id,name=title,artist=artist",
        "--map",
        "valence=val,arousal=energy",
        "--scale",
        "valence=0:1",
        "--scale",
        "arousal=0:1",
        "--no-tags",
    ]
    out = io.StringIO()
    assert run_import(_args(*argv), store, None, tmp_path, out) == 0
    assert "1 added, 0 updated, 0 unchanged, 1 skipped" in out.getvalue()
    assert "line 3: valence 2 (column val) is outside 0:1" in out.getvalue()
    again = io.StringIO()
    assert run_import(_args(*argv), store, None, tmp_path, again) == 0
    assert "0 added, 0 updated, 1 unchanged, 1 skipped" in again.getvalue()


def test_the_import_command_refuses_unusable_input(store: Store, tmp_path: Path) -> None:
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text("id,title\nx1,One\n")
    out, err = io.StringIO(), io.StringIO()
    args = _args("--source", "csv", str(csv_path), "--map", "name=title,artist=singer")
    assert run_import(args, store, None, tmp_path, out, err=err) == 2
    assert "its columns are: id, title" in err.getvalue()
    assert out.getvalue() == ""  # errors go to standard error, never among the results
    err = io.StringIO()
    playlist = _args("--source", "playlist", "--playlist", "x")
    assert run_import(playlist, store, None, tmp_path, out, err=err) == 2
    assert "MOODWAVE_SPOTIFY_CLIENT_ID" in err.getvalue()


def test_the_summary_lists_problems_and_remarks() -> None:
    report = ImportReport("f.csv", added=2, problems=[(3, "bad")], warnings=[(4, "latin-1")])
    text = report.summary()
    assert "2 added" in text and "line 3: bad" in text and "line 4: latin-1" in text
