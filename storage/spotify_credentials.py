"""The queries behind Spotify publishing: stored account credentials and cached search matches.

`SpotifyCredentials` keeps one row per account Moodwave may act for (the bot-owned account and each
user's linked account) and never sees a plain token: callers hand it ciphertext and get ciphertext
back (`recommender.spotify.tokens` does the encryption). `SpotifyTrackMatches` remembers what a
search found for a song without a Spotify id. `DeferredPlaylistRows` turns the links row of a
rate-limited playlist into the Spotify playlist once it exists; `storage.deferred_playlists` keeps
the playlists still to make. Each method is one short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.deferred_playlists import DeferredPlaylistQueue, DeferredPlaylistStore
from storage.models import (
    Playlist,
    Recommendation,
    SpotifyCredential,
    SpotifyLinkState,
    SpotifyTrackMatch,
    utcnow,
)

BOT_SLOT = "bot"


def user_slot(user_id: int) -> str:
    return f"user:{user_id}"


@dataclass(frozen=True)
class StoredAccount:
    """A stored Spotify account; the refresh token is still encrypted."""

    slot: str
    owner_user_id: int | None
    spotify_user_id: str
    display_name: str | None
    scope: str
    refresh_token_encrypted: str

    @classmethod
    def of(cls, row: SpotifyCredential) -> StoredAccount:
        return cls(
            row.slot,
            row.owner_user_id,
            row.spotify_user_id,
            row.display_name,
            row.scope,
            row.refresh_token_encrypted,
        )


@dataclass(frozen=True)
class TrackMatch:
    spotify_id: str | None  # None: searched, nothing found
    searched_at: datetime


class SpotifyCredentials:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def account(self, slot: str) -> StoredAccount | None:
        with self._session() as s:
            row = s.exec(select(SpotifyCredential).where(SpotifyCredential.slot == slot)).first()
            return StoredAccount.of(row) if row else None

    def save_account(self, account: StoredAccount) -> None:
        """Insert or replace the account in its slot (a new login replaces the old tokens)."""
        values: dict[str, object] = {
            "owner_user_id": account.owner_user_id,
            "spotify_user_id": account.spotify_user_id,
            "display_name": account.display_name,
            "scope": account.scope,
            "refresh_token_encrypted": account.refresh_token_encrypted,
        }
        with self._session() as s:
            if self._update(s, account.slot, **values):
                s.commit()
                return
            s.add(
                SpotifyCredential(
                    slot=account.slot,
                    owner_user_id=account.owner_user_id,
                    spotify_user_id=account.spotify_user_id,
                    display_name=account.display_name,
                    scope=account.scope,
                    refresh_token_encrypted=account.refresh_token_encrypted,
                )
            )
            try:
                s.commit()
            except IntegrityError:  # saved by another process a moment ago: replace it
                s.rollback()
                self._update(s, account.slot, **values)
                s.commit()

    def replace_refresh_token(self, slot: str, refresh_token_encrypted: str) -> None:
        """Spotify may rotate the refresh token on a refresh; the new one must replace the old."""
        with self._session() as s:
            self._update(s, slot, refresh_token_encrypted=refresh_token_encrypted)
            s.commit()

    def remove_account(self, slot: str) -> bool:
        with self._session() as s:
            result = s.execute(delete(SpotifyCredential).where(col(SpotifyCredential.slot) == slot))
            s.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def expect_link(self, user_id: int, nonce_hash: str, expires_at: datetime) -> None:
        """The person's one open `/spotify link` from now on (an older one no longer works)."""
        with self._session() as s:
            s.execute(delete(SpotifyLinkState).where(col(SpotifyLinkState.user_id) == user_id))
            s.add(SpotifyLinkState(user_id=user_id, nonce_hash=nonce_hash, expires_at=expires_at))
            try:
                s.commit()
            except IntegrityError:  # asked twice at once: the other one stands
                s.rollback()

    def consume_link(self, user_id: int, nonce_hash: str) -> bool:
        """Take the person's open link if it is this one; False when it was used or replaced."""
        with self._session() as s:
            result = s.execute(
                delete(SpotifyLinkState).where(
                    col(SpotifyLinkState.user_id) == user_id,
                    col(SpotifyLinkState.nonce_hash) == nonce_hash,
                )
            )
            s.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def linked_user_count(self) -> int:
        with self._session() as s:
            return s.exec(
                select(func.count())
                .select_from(SpotifyCredential)
                .where(col(SpotifyCredential.owner_user_id).is_not(None))
            ).one()

    @staticmethod
    def _update(s: Session, slot: str, **values: object) -> bool:
        result = s.execute(
            update(SpotifyCredential)
            .where(col(SpotifyCredential.slot) == slot)
            .values(updated_at=utcnow(), **values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SpotifyTrackMatches:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, query_key: str) -> TrackMatch | None:
        with Session(self.engine) as s:
            row = s.get(SpotifyTrackMatch, query_key)
            return TrackMatch(row.spotify_id, row.searched_at) if row else None

    def put(self, query_key: str, spotify_id: str | None) -> None:
        with Session(self.engine) as s:
            row = s.get(SpotifyTrackMatch, query_key)
            if row is None:
                s.add(SpotifyTrackMatch(query_key=query_key, spotify_id=spotify_id))
            else:
                row.spotify_id, row.searched_at = spotify_id, utcnow()
            try:
                s.commit()
            except IntegrityError:  # another process cached the same song at once: theirs is fine
                s.rollback()


@dataclass(frozen=True)
class CompletedPlaylist:
    """A deferred playlist now on Spotify, with where to tell the person."""

    recommendation_id: int
    chat_id: int
    user_id: int | None  # None: a shared mix's playlist whose leader was forgotten since


class DeferredPlaylistRows:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def complete(self, ticket: str, url: str | None, playlist_id: str) -> CompletedPlaylist | None:
        """The playlist row saved with `external_id == ticket` becomes the Spotify playlist; None
        when no such row exists (yet, or any more)."""
        with Session(self.engine) as s:
            row = s.exec(select(Playlist).where(Playlist.external_id == ticket)).first()
            if row is None:
                return None
            row.provider, row.url, row.external_id = "spotify", url, playlist_id
            recommendation = s.get(Recommendation, row.recommendation_id)
            s.commit()
            if recommendation is None or recommendation.id is None:
                return None
            return CompletedPlaylist(
                recommendation.id, recommendation.chat_id, recommendation.user_id
            )


@dataclass(frozen=True)
class SpotifyTables:
    """The Spotify queries over one database: what `recommender.spotify.build_spotify` is given."""

    credentials: SpotifyCredentials
    track_matches: SpotifyTrackMatches
    deferred_playlists: DeferredPlaylistRows
    deferred_queue: DeferredPlaylistStore

    @classmethod
    def on(cls, engine: Engine) -> SpotifyTables:
        return cls(
            SpotifyCredentials(engine),
            SpotifyTrackMatches(engine),
            DeferredPlaylistRows(engine),
            DeferredPlaylistQueue(engine),
        )
