"""Songs from the tracks of a Spotify playlist: metadata only, read page by page through a spotipy
client passed in (`playlist_items`, which calls `GET /playlists/{id}/items`).

Spotify no longer serves audio features to new apps, so nothing here asks for them: a playlist's
songs arrive with their mood unknown (`mood_source` "unknown", confidence 0, VA at the centre),
which keeps them out of mood search until a better source fills the mood in: the artist's Last.fm
tags (`recommender.tag_moods.with_tag_moods`), the Spotify data set when it holds the same track id
(an import never replaces a mood by a less confident one), or the user's own audio. Episodes,
local files and removed tracks are reported by their position in the playlist and skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from recommender.catalog import UNKNOWN, CatalogLoad
from recommender.songs import EXPLICIT, Song
from recommender.spotify.client import SpotifyConnection

UNKNOWN_MOOD = "unknown"
PAGE_SIZE = 50  # the endpoint's maximum
FIELDS = (
    "next,items(is_local,item(type,id,name,explicit,popularity,duration_ms,album(name),"
    "artists(name)),track(type,id,name,explicit,popularity,duration_ms,album(name),artists(name)))"
)


class PlaylistClient(Protocol):
    """The one spotipy call used (`spotipy.Spotify.playlist_items`)."""

    def playlist_items(
        self,
        playlist_id: str,
        fields: str | None = ...,
        limit: int = ...,
        offset: int = ...,
        market: str | None = ...,
        additional_types: Sequence[str] = ...,
    ) -> Any: ...


def load_playlist_songs(client: PlaylistClient, playlist: str, max_pages: int = 200) -> CatalogLoad:
    """The playlist's tracks as songs with unknown mood; `skipped` numbers entries from 1.

    `playlist` is an id, URI or URL (spotipy accepts all three). At most `max_pages` pages
    (10,000 entries) are read, so a huge or looping playlist cannot hold the import forever.
    """
    load = CatalogLoad([])
    seen: set[str] = set()
    for position, entry in enumerate(_entries(client, playlist, max_pages), start=1):
        song_or_reason = _song(entry)
        if isinstance(song_or_reason, str):
            load.skipped.append((position, song_or_reason))
        elif song_or_reason.track_id in seen:
            load.skipped.append((position, f"track {song_or_reason.track_id} is already listed"))
        else:
            seen.add(song_or_reason.track_id)
            load.songs.append(song_or_reason)
    return load


def _entries(client: PlaylistClient, playlist: str, max_pages: int) -> Iterator[Mapping[str, Any]]:
    offset = 0
    for _ in range(max_pages):
        page = client.playlist_items(
            playlist, fields=FIELDS, limit=PAGE_SIZE, offset=offset, additional_types=("track",)
        )
        items = (page or {}).get("items") or []
        yield from items
        offset += len(items)
        if not items or not page.get("next"):
            return


def _song(entry: Mapping[str, Any]) -> Song | str:
    """The song of one playlist entry, or why there is none."""
    # `item` replaced the deprecated `track` in 2026; old responses (and spotipy fakes) have `track`.
    track = entry.get("item") or entry.get("track")
    if not track:
        return "the track is no longer available"
    if track.get("type", "track") != "track":
        return f"a {track.get('type')}, not a track"
    if entry.get("is_local") or not track.get("id"):
        return f"local file {track.get('name') or ''!r} has no Spotify id"
    # The first artist only, as in the Spotify data set: it is what tags and taste are keyed by.
    artists = [a.get("name") for a in track.get("artists") or [] if a.get("name")]
    return Song(
        track_id=track["id"],
        name=track.get("name") or UNKNOWN,
        artist=artists[0] if artists else UNKNOWN,
        valence=0.0,
        arousal=0.0,
        album=(track.get("album") or {}).get("name") or "",
        popularity=int(track.get("popularity") or 0),
        duration_ms=int(track.get("duration_ms") or 0),
        mood_source=UNKNOWN_MOOD,
        mood_confidence=0.0,
        spotify_id=track["id"],
        features={EXPLICIT: 1.0 if track.get("explicit") else 0.0},
    )


class ConnectionPlaylists:
    """`PlaylistClient` over a Spotify connection, so imports get its timeouts and retry policy."""

    def __init__(self, connection: SpotifyConnection) -> None:
        self.connection = connection

    def playlist_items(self, playlist_id: str, *args: Any, **kwargs: Any) -> Any:
        return self.connection.call(lambda sp: sp.playlist_items(playlist_id, *args, **kwargs))
