"""Putting songs from any source into the catalog table and saying what happened.

Every source (the Spotify data set, a CSV, a folder of audio, a Spotify playlist) yields `Song`s and
row-level problems; `import_songs` upserts the songs keyed by `track_id` and fills an `ImportReport`:
how many were added, updated, unchanged and skipped, and each problem with its line (or file) and
reason. Re-importing the same songs changes nothing. A track id seen twice in one import keeps the
first and reports the second, so the result does not depend on the batch the duplicate fell into.
Given the songs already stored, an import never replaces a mood by a less confident one (a playlist
track of unknown mood keeps the mood the Spotify data set gave it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from recommender.songs import Song


class SongStore(Protocol):
    """The part of `storage.Store` an import needs."""

    def upsert_songs(
        self, songs: Iterable[dict[str, Any]], batch: int = ...
    ) -> tuple[int, int]: ...


@dataclass
class ImportReport:
    """Counts of one import and what went wrong. `problems` are rows skipped, `warnings` rows imported
    with a remark (text that was not UTF-8); `line` is a file line or a position in the source."""

    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.problems)

    def problem(self, line: int, reason: str) -> None:
        self.problems.append((line, reason))

    def summary(self, shown: int = 10) -> str:
        """A few lines a person can act on: the counts, then the first problems."""
        lines = [
            f"{self.source}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} skipped"
        ]
        for title, rows in (("skipped", self.problems), ("imported with a remark", self.warnings)):
            if rows:
                lines.append(f" {title}:")
                lines += [f"  line {line}: {reason}" for line, reason in rows[:shown]]
            if len(rows) > shown:
                lines.append(f"  ... and {len(rows) - shown} more")
        return "\n".join(lines)


def song_record(song: Song) -> dict[str, Any]:
    """The catalog table's columns for a song (the shape `Store.upsert_songs` takes)."""
    return {
        "track_id": song.track_id,
        "name": song.name,
        "artist": song.artist,
        "album": song.album,
        "genres": list(song.genres),
        "subgenres": list(song.subgenres),
        "valence": song.valence,
        "arousal": song.arousal,
        "mood_source": song.mood_source,
        "mood_confidence": song.mood_confidence,
        "popularity": song.popularity,
        "duration_ms": song.duration_ms,
        "spotify_id": song.spotify_id,
        "features": dict(song.features),
        "video_url": song.video_url,
    }


def import_songs(
    store: SongStore,
    songs: Iterable[Song],
    report: ImportReport,
    existing: Mapping[str, Song] | None = None,
) -> ImportReport:
    """Upsert `songs` by track id and add the counts to `report` (returned for chaining).

    `existing` (track id -> stored song) lets a more confident stored mood survive the import.
    """
    seen: set[str] = set()
    records: list[dict[str, Any]] = []
    for number, song in enumerate(songs, start=1):
        if song.track_id in seen:
            report.problem(number, f"song {number}: track id {song.track_id!r} again, first kept")
            continue
        seen.add(song.track_id)
        stored = existing.get(song.track_id) if existing else None
        records.append(song_record(_keeping_better_mood(song, stored)))
    added, updated = store.upsert_songs(records)
    report.added += added
    report.updated += updated
    report.unchanged += len(records) - added - updated
    return report


def _keeping_better_mood(song: Song, stored: Song | None) -> Song:
    if stored is None or stored.mood_confidence <= song.mood_confidence:
        return song
    return replace(
        song,
        valence=stored.valence,
        arousal=stored.arousal,
        mood_source=stored.mood_source,
        mood_confidence=stored.mood_confidence,
        genres=song.genres or stored.genres,
        subgenres=song.subgenres or stored.subgenres,
        features={**stored.features, **song.features},
    )
