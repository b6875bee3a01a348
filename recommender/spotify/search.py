"""Finding the Spotify track for a song that has no Spotify id, by search, and remembering the answer.

Spotify's search returns at most 10 items per request now, so one request with a field-filtered query
(`track:"..." artist:"..."`) is all we make per song; a result counts only when its title and one of
its artists match the song's, because a wrong song in a mood playlist is worse than a search link.
Answers (found or not) are cached in the database (`spotify_track_match`) and in memory; a miss is
searched again after a while, as catalogs grow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from recommender.songs import Song
from recommender.spotify.client import SpotifyCaller
from storage.models import utcnow
from storage.spotify_credentials import SpotifyTrackMatches

MAX_SEARCH_LIMIT = 10  # Spotify's cap per request since February 2026
_NOT_WORD = re.compile(r"[^\w]+")
_DECORATION = re.compile(r"\s+[-(\[].*$")  # " - Remastered 2011", " (feat. X)", " [Live]"


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _NOT_WORD.sub(" ", folded).strip()


def match_key(song: Song) -> str:
    return f"{normalise(song.artist)}|{normalise(song.name)}"[:512]


def search_query(song: Song) -> str:
    title = _DECORATION.sub("", song.name).replace('"', " ").strip() or song.name.replace('"', " ")
    artist = song.artist.replace('"', " ").strip()
    return f'track:"{title}" artist:"{artist}"'


def same_song(song: Song, track: dict[str, Any]) -> bool:
    """A search result counts when its title and one of its artists are the song's."""
    wanted_title = normalise(_DECORATION.sub("", song.name))
    title = normalise(_DECORATION.sub("", str(track.get("name", ""))))
    artists = {normalise(str(a.get("name", ""))) for a in track.get("artists") or []}
    wanted_artists = {normalise(part) for part in re.split(r",|;| & | feat\. ", song.artist)}
    return bool(title) and title == wanted_title and bool(artists & wanted_artists)


class TrackResolver:
    """Spotify ids for songs: the catalog's own id, a cached search answer, or a new search."""

    def __init__(
        self,
        matches: SpotifyTrackMatches | None = None,
        limit: int = 5,
        found_fresh_for: timedelta = timedelta(days=90),
        missing_fresh_for: timedelta = timedelta(days=7),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if not 1 <= limit <= MAX_SEARCH_LIMIT:
            raise ValueError(f"Spotify search limit must be 1 to {MAX_SEARCH_LIMIT}, not {limit}")
        self.matches = matches
        self.limit = limit
        self.found_fresh_for = found_fresh_for
        self.missing_fresh_for = missing_fresh_for
        self._clock = clock
        self._memory: dict[str, tuple[str | None, datetime]] = {}

    def spotify_id(self, song: Song, connection: SpotifyCaller) -> str | None:
        if song.spotify_id:
            return song.spotify_id
        key = match_key(song)
        cached = self._cached(key)
        if cached is not None:
            return cached[0]
        found = self._search(song, connection)
        self._remember(key, found)
        return found

    def _cached(self, key: str) -> tuple[str | None] | None:
        entry = self._memory.get(key)
        if entry is None and self.matches is not None:
            stored = self.matches.get(key)
            entry = (stored.spotify_id, stored.searched_at) if stored else None
        if entry is None:
            return None
        spotify_id, searched_at = entry
        fresh_for = self.found_fresh_for if spotify_id else self.missing_fresh_for
        return (spotify_id,) if self._clock() - searched_at < fresh_for else None

    def _remember(self, key: str, spotify_id: str | None) -> None:
        self._memory[key] = (spotify_id, self._clock())
        if self.matches is not None:
            self.matches.put(key, spotify_id)

    def _search(self, song: Song, connection: SpotifyCaller) -> str | None:
        query = search_query(song)
        found = connection.call(lambda sp: sp.search(q=query, limit=self.limit, type="track"))
        items = ((found or {}).get("tracks") or {}).get("items") or []
        for track in items:
            if track and same_song(song, track) and track.get("id"):
                return str(track["id"])
        return None
