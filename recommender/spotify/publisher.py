"""`SpotifyPublisher`: a recommendation becomes a Spotify playlist of one account, shared by link.

The playlist is created with `POST /me/playlists` (the user-id route is gone) and filled through
`POST /playlists/{id}/items`, 100 items per request. Songs without a Spotify id are found by search;
a song search cannot find stays in the reply as a search link and out of the playlist. Whatever
Spotify does, the person gets their songs at once: a long rate limit sends links now and leaves the
playlist to `DeferredPlaylists`; any other Spotify failure sends links (and is logged without
secrets).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import spotipy

from recommender.publishing import (
    PlaylistDraft,
    PlaylistPublisher,
    PublishedPlaylist,
    TrackLinksPublisher,
    track_url,
)
from recommender.spotify.client import SpotifyConnection
from recommender.spotify.deferred import DeferredPlaylists, PlaylistJob
from recommender.spotify.errors import SpotifyError, SpotifyRateLimited
from recommender.spotify.search import TrackResolver

log = logging.getLogger(__name__)

ITEMS_PER_REQUEST = 100  # Spotify's limit for adding items
MAX_NAME_CHARS = 100
MAX_DESCRIPTION_CHARS = 300


def playlist_text(draft: PlaylistDraft) -> tuple[str, str]:
    """Name and description as Spotify takes them: one line each, within its lengths."""
    name = " ".join(draft.title.split())[:MAX_NAME_CHARS] or "Moodwave"
    description = " ".join(draft.description.split())[:MAX_DESCRIPTION_CHARS]
    return name, description


def spotify_track_url(spotify_id: str) -> str:
    return f"https://open.spotify.com/track/{spotify_id}"


class SpotifyPublisher:
    """Publishes drafts as playlists of the account behind `connection`."""

    provider = "spotify"

    def __init__(
        self,
        connection: SpotifyConnection,
        resolver: TrackResolver,
        deferred: DeferredPlaylists | None = None,
        fallback: PlaylistPublisher | None = None,
        public: bool = False,
    ) -> None:
        self.connection = connection
        self.resolver = resolver
        self.deferred = deferred
        self.fallback = fallback or TrackLinksPublisher()
        self.public = public

    def publish(self, draft: PlaylistDraft) -> PublishedPlaylist:
        job = PlaylistJob(ticket=f"deferred:{uuid.uuid4().hex}", draft=draft)
        try:
            return self.complete(job)
        except SpotifyRateLimited as exc:
            if self.deferred is None:
                log.warning("Spotify rate limited; sending links (%s)", exc)
                return _links(draft)
            self.deferred.schedule(job, exc.retry_after, self.complete)
            return _links(draft, ticket=job.ticket)
        except SpotifyError as exc:
            log.warning("Spotify playlist failed, falling back (%s: %s)", type(exc).__name__, exc)
            return self.fallback.publish(draft)

    def complete(self, job: PlaylistJob) -> PublishedPlaylist:
        """Create and fill the job's playlist, resuming where an earlier attempt stopped."""
        spotify_ids = [self.resolver.spotify_id(song, self.connection) for song in job.draft.songs]
        track_urls = tuple(
            spotify_track_url(sid) if sid else track_url(song)
            for song, sid in zip(job.draft.songs, spotify_ids, strict=True)
        )
        uris = [f"spotify:track:{sid}" for sid in spotify_ids if sid]
        if not uris:
            return _links(job.draft)
        if job.playlist_id is None:
            self._create(job)
        assert job.playlist_id is not None
        while job.added < len(uris):
            chunk = uris[job.added : job.added + ITEMS_PER_REQUEST]
            self._add_items(job.playlist_id, chunk)
            job.added += len(chunk)
        return PublishedPlaylist(self.provider, job.playlist_url, track_urls, job.playlist_id)

    def _create(self, job: PlaylistJob) -> None:
        name, description = playlist_text(job.draft)
        created: dict[str, Any] = self.connection.call(
            lambda sp: sp.current_user_playlist_create(
                name, public=self.public, description=description
            )
        )
        job.playlist_id = str(created["id"])
        urls = created.get("external_urls") or {}
        job.playlist_url = (
            urls.get("spotify") or f"https://open.spotify.com/playlist/{created['id']}"
        )

    def _add_items(self, playlist_id: str, uris: list[str]) -> None:
        def add(sp: spotipy.Spotify) -> object:
            # spotipy's playlist_add_items sends a bare JSON array, which the API description does
            # not allow (the body is an object with `uris`); send the documented shape instead.
            return sp._post(f"playlists/{playlist_id}/items", payload={"uris": uris})

        self.connection.call(add)


def _links(draft: PlaylistDraft, ticket: str | None = None) -> PublishedPlaylist:
    return PublishedPlaylist("links", None, tuple(track_url(song) for song in draft.songs), ticket)
