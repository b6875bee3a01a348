"""The playlist publisher seam: turn a ranked list into something a person can play.

The default, `TrackLinksPublisher`, needs no account anywhere: Spotify track links where the id is
known, a Spotify search link otherwise. The Spotify playlist publisher (spotipy) plugs in behind the
same interface and falls back to this one when Spotify is not set up, fails, or is rate limited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import quote

from recommender.songs import Song


@dataclass(frozen=True)
class PlaylistDraft:
    title: str
    description: str
    songs: tuple[Song, ...]


@dataclass(frozen=True)
class PublishedPlaylist:
    provider: str  # "links" or "spotify"
    url: str | None  # one link to the whole playlist, when the provider makes one
    track_urls: tuple[str, ...]  # one per song, in order
    external_id: str | None = None


@runtime_checkable
class PlaylistPublisher(Protocol):
    def publish(self, draft: PlaylistDraft) -> PublishedPlaylist: ...


def track_url(song: Song) -> str:
    """A link that plays the song: its Spotify page, or a Spotify search for artist and title."""
    if song.spotify_url:
        return song.spotify_url
    return "https://open.spotify.com/search/" + quote(f"{song.artist} {song.name}".strip())


class TrackLinksPublisher:
    """Publishes nothing remotely: the playlist is the list of track links."""

    def publish(self, draft: PlaylistDraft) -> PublishedPlaylist:
        return PublishedPlaylist("links", None, tuple(track_url(s) for s in draft.songs))
