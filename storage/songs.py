"""The song catalog in the database: imported in batches keyed by Spotify track id, read whole at
start-up."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import func
from sqlmodel import col, select

from storage.models import (
    CatalogSong,
    utcnow,
)
from storage.sessions import Sessions


@runtime_checkable
class SongStore(Protocol):
    """The song catalog, as the import and the loader use it."""

    def song_count(self) -> int: ...

    def upsert_songs(
        self, songs: Iterable[dict[str, Any]], batch: int = 2000
    ) -> tuple[int, int]: ...

    def all_songs(self) -> list[CatalogSong]: ...

    def song_ids(self, track_ids: Sequence[str]) -> dict[str, int]: ...

    def song(self, song_id: int) -> CatalogSong | None: ...


class Songs(Sessions):
    """Catalog songs in the database."""

    def song_count(self) -> int:
        with self.session() as s:
            return s.exec(select(func.count()).select_from(CatalogSong)).one()

    def upsert_songs(self, songs: Iterable[dict[str, Any]], batch: int = 2000) -> tuple[int, int]:
        """Insert new songs and update changed ones, keyed by `track_id`. Returns (added, updated)."""
        added = updated = 0
        pending: list[dict[str, Any]] = []
        for song in songs:
            pending.append(song)
            if len(pending) >= batch:
                a, u = self._upsert_batch(pending)
                added, updated, pending = added + a, updated + u, []
        if pending:
            a, u = self._upsert_batch(pending)
            added, updated = added + a, updated + u
        return added, updated

    def all_songs(self) -> list[CatalogSong]:
        with self.session() as s:
            return list(s.exec(select(CatalogSong).order_by(col(CatalogSong.id))))

    def song_ids(self, track_ids: Sequence[str]) -> dict[str, int]:
        with self.session() as s:
            rows = s.exec(
                select(CatalogSong.track_id, CatalogSong.id).where(
                    col(CatalogSong.track_id).in_(list(track_ids))
                )
            )
            return {track_id: song_id for track_id, song_id in rows if song_id is not None}

    def song(self, song_id: int) -> CatalogSong | None:
        with self.session() as s:
            return s.get(CatalogSong, song_id)

    def _upsert_batch(self, songs: list[dict[str, Any]]) -> tuple[int, int]:
        ids = [song["track_id"] for song in songs]
        added = updated = 0
        with self.session() as s:
            existing = {
                row.track_id: row
                for row in s.exec(select(CatalogSong).where(col(CatalogSong.track_id).in_(ids)))
            }
            for song in songs:
                row = existing.get(song["track_id"])
                if row is None:
                    s.add(CatalogSong(**song))
                    added += 1
                    continue
                changes = {k: v for k, v in song.items() if getattr(row, k) != v}
                if changes:
                    for key, value in changes.items():
                        setattr(row, key, value)
                    row.updated_at = utcnow()
                    updated += 1
            s.commit()
        return added, updated
