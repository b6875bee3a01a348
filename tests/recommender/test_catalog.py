"""Loading the bundled Spotify songs: one song per track, moods in range, broken rows reported."""

from __future__ import annotations

from pathlib import Path

from recommender.catalog import UNKNOWN, load_spotify_catalog
from recommender.songs import Song

HEADER = (
    "track_id,track_name,track_artist,track_popularity,track_album_id,track_album_name,"
    "track_album_release_date,playlist_name,playlist_id,playlist_genre,playlist_subgenre,"
    "danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,"
    "valence,tempo,duration_ms"
)


def _row(track_id: str, name: str, genre: str, energy: str = "0.9", valence: str = "0.25") -> str:
    return (
        f"{track_id},{name},Some Artist,50,alb,Some Album,2019-01-01,List,pl,{genre},sub {genre},"
        f"0.5,{energy},1,-5.0,1,0.05,0.1,0,0.1,{valence},120.0,200000"
    )


def test_real_catalog_has_one_song_per_track(catalog: list[Song]) -> None:
    ids = [s.track_id for s in catalog]
    assert len(ids) == len(set(ids)) == 28_356


def test_real_catalog_moods_and_genres(catalog: list[Song]) -> None:
    assert all(-1 <= s.valence <= 1 and -1 <= s.arousal <= 1 for s in catalog)
    assert all(s.genres and list(s.genres) == sorted(set(s.genres)) for s in catalog)
    assert any(len(s.genres) > 1 for s in catalog)
    song = catalog[0]
    assert song.spotify_id == song.track_id
    assert song.mood_source == "spotify-features"
    assert song.arousal == 2 * song.features["energy"] - 1
    assert {"danceability", "tempo", "loudness", "mode"} <= song.features.keys()


def test_real_catalog_keeps_tracks_without_names(spotify_csv: Path) -> None:
    load = load_spotify_catalog(spotify_csv)
    assert load.skipped == []
    assert any(s.name == UNKNOWN and s.artist == UNKNOWN for s in load.songs)


def test_rows_merge_by_track_and_bad_numbers_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "songs.csv"
    rows = [
        HEADER,
        _row("a", "First", "rock"),
        _row("b", "Broken", "pop", energy="loud"),
        _row("a", "Second name", "pop"),
        _row("c", "NA", "edm", valence=""),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    load = load_spotify_catalog(path)
    assert [s.track_id for s in load.songs] == ["a"]
    song = load.songs[0]
    assert song.name == "First"  # the first row's fields
    assert song.genres == ("pop", "rock")
    assert song.subgenres == ("sub pop", "sub rock")
    assert (round(song.valence, 6), round(song.arousal, 6)) == (-0.5, 0.8)
    assert [line for line, _ in load.skipped] == [3, 5]
    assert "energy" in load.skipped[0][1] and "valence" in load.skipped[1][1]
