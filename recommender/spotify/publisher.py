"""`SpotifyPublisher`: a recommendation becomes a Spotify playlist of one account, shared by link.

The playlist is created with `POST /me/playlists` (the user-id route is gone) and filled through
`POST /playlists/{id}/items`, 100 items per request. Songs without a Spotify id are found by search;
a song search cannot find stays in the reply as a search link and out of the playlist. Whatever
Spotify does, the person gets their songs at once: a long rate limit, or a publish that runs out of
its time (one deadline for all its calls, `CallPolicy.publish_deadline_s`), sends links now and
leaves the playlist to `DeferredPlaylists`; any other Spotify failure sends links (and is logged
without secrets).
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
from recommender.spotify.client import SpotifyCaller, SpotifyConnection
from recommender.spotify.deferred import DeferredPlaylists, PlaylistJob
from recommender.spotify.errors import SpotifyError, SpotifyOverdue, SpotifyRateLimited
from recommender.spotify.search import TrackResolver
from storage.spotify_credentials import BOT_SLOT

log = logging.getLogger(__name__)

ITEMS_PER_REQUEST = 100  # Spotify's limit for adding items
MAX_PLAYLIST_ITEMS = 10_000  # Spotify's limit for one playlist
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
        account: str = BOT_SLOT,
    ) -> None:
        self.connection = connection
        self.resolver = resolver
        self.deferred = deferred
        self.fallback = fallback or TrackLinksPublisher()
        self.public = public
        self.account = account  # the account slot a deferred job is finished for

    def publish(self, draft: PlaylistDraft) -> PublishedPlaylist:
        """The playlist within the policy's `publish_deadline_s`, all calls together; past it (or
        on a long rate limit) links now, and the playlist is finished later."""
        job = PlaylistJob(ticket=f"deferred:{uuid.uuid4().hex}", draft=draft)
        try:
            bounded = self.connection.within(self.connection.policy.publish_deadline_s)
            return self.complete(job, bounded)
        except (SpotifyRateLimited, SpotifyOverdue) as exc:
            if self.deferred is None:
                log.warning("Spotify playlist not made now; sending links (%s)", exc)
                return _links(draft)
            self.deferred.schedule(job, exc.retry_after, self.account)
            return _links(draft, ticket=job.ticket)
        except SpotifyError as exc:
            log.warning("Spotify playlist failed, falling back (%s: %s)", type(exc).__name__, exc)
            return self.fallback.publish(draft)

    def complete(self, job: PlaylistJob, caller: SpotifyCaller | None = None) -> PublishedPlaylist:
        """Create and fill the job's playlist, resuming where an earlier attempt stopped."""
        spotify = caller or self.connection
        spotify_ids = [self.resolver.spotify_id(song, spotify) for song in job.draft.songs]
        track_urls = tuple(
            spotify_track_url(sid) if sid else track_url(song)
            for song, sid in zip(job.draft.songs, spotify_ids, strict=True)
        )
        uris = [f"spotify:track:{sid}" for sid in spotify_ids if sid]
        if not uris:
            return _links(job.draft)
        if job.playlist_id is None:
            self._create(job, spotify)
            job.advanced()
        elif job.resumed:  # a try that died may have added items it never recorded
            job.added = min(self._items_on_spotify(job.playlist_id, spotify), len(uris))
            job.resumed = False
        assert job.playlist_id is not None
        while job.added < len(uris):
            chunk = uris[job.added : job.added + ITEMS_PER_REQUEST]
            self._add_items(job.playlist_id, chunk, spotify)
            job.added += len(chunk)
            job.advanced()
        return PublishedPlaylist(self.provider, job.playlist_url, track_urls, job.playlist_id)

    def _create(self, job: PlaylistJob, spotify: SpotifyCaller) -> None:
        name, description = playlist_text(job.draft)
        created: dict[str, Any] = spotify.call(
            lambda sp: sp.current_user_playlist_create(
                name, public=self.public, description=description
            )
        )
        job.playlist_id = str(created["id"])
        urls = created.get("external_urls") or {}
        job.playlist_url = (
            urls.get("spotify") or f"https://open.spotify.com/playlist/{created['id']}"
        )

    def _items_on_spotify(self, playlist_id: str, spotify: SpotifyCaller) -> int:
        """How many items the playlist holds: a page past its end carries only the count."""
        page: dict[str, Any] = spotify.call(
            lambda sp: sp._get(f"playlists/{playlist_id}/items", limit=1, offset=MAX_PLAYLIST_ITEMS)
        )
        return int(page.get("total") or 0)

    def discard(self, playlist_id: str) -> None:
        """Delete a playlist left unfinished: removed from its owner's library (Spotify's way)."""
        uri = f"spotify:playlist:{playlist_id}"
        self.connection.call(lambda sp: sp._delete("me/library", uris=uri))

    def _add_items(self, playlist_id: str, uris: list[str], spotify: SpotifyCaller) -> None:
        def add(sp: spotipy.Spotify) -> object:
            # spotipy's playlist_add_items sends a bare JSON array, which the API description does
            # not allow (the body is an object with `uris`); send the documented shape instead.
            return sp._post(f"playlists/{playlist_id}/items", payload={"uris": uris})

        spotify.call(add)


def _links(draft: PlaylistDraft, ticket: str | None = None) -> PublishedPlaylist:
    return PublishedPlaylist("links", None, tuple(track_url(song) for song in draft.songs), ticket)
