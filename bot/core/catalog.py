"""The catalog as the conversation sees it: the songs the recommender ranks, and the database id of
each, so a ranked song can be stored as a recommendation item and found again from a reaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from recommender import Song


@dataclass(frozen=True)
class CatalogSnapshot:
    songs: Sequence[Song]
    db_ids: dict[str, int]  # track_id -> song.id
    _by_db_id: dict[int, Song] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_track = {song.track_id: song for song in self.songs}
        object.__setattr__(
            self, "_by_db_id", {i: by_track[t] for t, i in self.db_ids.items() if t in by_track}
        )

    def db_id(self, track_id: str) -> int:
        return self.db_ids[track_id]

    def by_db_id(self, song_id: int) -> Song | None:
        return self._by_db_id.get(song_id)

    def __len__(self) -> int:
        return len(self.songs)
