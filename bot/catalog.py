"""Getting the song catalog into the database and back out as the recommender's `Song`s.

On first start the bundled catalog (the Spotify songs data set) is imported from the data directory
or downloaded; later starts read the songs table. Importing is an upsert on `track_id`, so running it
again changes nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.core.catalog import CatalogSnapshot
from recommender import Song
from recommender.catalog import SPOTIFY_SONGS, load_spotify_songs
from recommender.importing import song_record
from storage import SongStore
from storage.models import CatalogSong

log = logging.getLogger(__name__)


def song_from_row(row: CatalogSong) -> Song:
    return Song(
        track_id=row.track_id,
        name=row.name,
        artist=row.artist,
        valence=row.valence,
        arousal=row.arousal,
        genres=tuple(row.genres),
        subgenres=tuple(row.subgenres),
        album=row.album,
        popularity=row.popularity,
        duration_ms=row.duration_ms,
        mood_source=row.mood_source,
        mood_confidence=row.mood_confidence,
        spotify_id=row.spotify_id,
        features=dict(row.features),
        video_url=row.video_url,
    )


def import_default_catalog(
    store: SongStore, data_dir: Path | None, cache_dir: Path
) -> tuple[int, int]:
    path = SPOTIFY_SONGS.resolve(data_dir, cache_dir)
    songs = load_spotify_songs(path)
    added, updated = store.upsert_songs(song_record(song) for song in songs)
    log.info("catalog import from %s: %d added, %d updated", path, added, updated)
    return added, updated


def load_catalog(store: SongStore, data_dir: Path | None, cache_dir: Path) -> CatalogSnapshot:
    if store.song_count() == 0:
        import_default_catalog(store, data_dir, cache_dir)
    rows = store.all_songs()
    return CatalogSnapshot(
        [song_from_row(row) for row in rows],
        {row.track_id: row.id for row in rows if row.id is not None},
    )
