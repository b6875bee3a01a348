"""Delayed Spotify playlists in the database: a playlist the person got as links first is finished
in the background by whichever process claims it (`storage.claims`), so a restart or a dead replica
loses none, and a half-filled playlist is carried on from where it stopped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import func, update
from sqlmodel import col, select

from storage.claims import claim_due
from storage.models import DeferredPlaylist
from storage.sessions import Sessions

UNFINISHED = ("waiting", "working")


@dataclass(frozen=True)
class ClaimedPlaylist:
    """A delayed playlist claimed for a try, with how far earlier tries got."""

    ticket: str
    account: str
    draft: str  # JSON: title, description, songs
    playlist_id: str | None
    playlist_url: str | None
    added: int
    attempts: int


@runtime_checkable
class DeferredPlaylistStore(Protocol):
    """Delayed playlists, as `recommender.spotify.DeferredPlaylists` uses them."""

    def defer_playlist(self, ticket: str, account: str, draft: str, due_at: datetime) -> None: ...

    def claim_due_playlists(
        self, now: datetime, lease: timedelta, limit: int = 10
    ) -> list[ClaimedPlaylist]: ...

    def playlist_progress(
        self, ticket: str, playlist_id: str | None, playlist_url: str | None, added: int
    ) -> None: ...

    def retry_playlist(
        self, ticket: str, due_at: datetime, attempts: int, problem: str
    ) -> None: ...

    def end_playlist(self, ticket: str, done: bool, problem: str | None = None) -> None: ...

    def next_playlist_due(self) -> datetime | None: ...

    def unfinished_playlists(self) -> int: ...


class DeferredPlaylistQueue(Sessions):
    def defer_playlist(self, ticket: str, account: str, draft: str, due_at: datetime) -> None:
        with self.session() as s:
            s.add(DeferredPlaylist(ticket=ticket, account=account, draft=draft, due_at=due_at))
            s.commit()

    def claim_due_playlists(
        self, now: datetime, lease: timedelta, limit: int = 10
    ) -> list[ClaimedPlaylist]:
        """Due playlists, and those whose claimer stopped mid-way (after the lease)."""
        with self.session() as s:
            won = claim_due(s, DeferredPlaylist, UNFINISHED, now, lease, limit)
            return [
                ClaimedPlaylist(
                    r.ticket, r.account, r.draft, r.playlist_id, r.playlist_url, r.added, r.attempts
                )
                for r in won
            ]

    def playlist_progress(
        self, ticket: str, playlist_id: str | None, playlist_url: str | None, added: int
    ) -> None:
        """How far the playlist got (created, and how many items added), after each step."""
        self._set(ticket, playlist_id=playlist_id, playlist_url=playlist_url, added=added)

    def retry_playlist(self, ticket: str, due_at: datetime, attempts: int, problem: str) -> None:
        self._set(ticket, status="waiting", due_at=due_at, attempts=attempts, problem=problem[:256])

    def end_playlist(self, ticket: str, done: bool, problem: str | None = None) -> None:
        self._set(ticket, status="done" if done else "failed", problem=problem and problem[:256])

    def next_playlist_due(self) -> datetime | None:
        with self.session() as s:
            return s.exec(
                select(func.min(DeferredPlaylist.due_at)).where(
                    col(DeferredPlaylist.status) == "waiting"
                )
            ).one()

    def unfinished_playlists(self) -> int:
        with self.session() as s:
            return int(
                s.exec(
                    select(func.count())
                    .select_from(DeferredPlaylist)
                    .where(col(DeferredPlaylist.status).in_(UNFINISHED))
                ).one()
            )

    def _set(self, ticket: str, **values: object) -> None:
        with self.session() as s:
            s.execute(
                update(DeferredPlaylist)
                .where(col(DeferredPlaylist.ticket) == ticket)
                .values(**values)
            )
            s.commit()
