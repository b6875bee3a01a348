"""Playlists Spotify could not take now, created later in the background.

When Spotify answers 429 with a `Retry-After` longer than a person should wait, or a publish runs
out of its time, the publisher sends the songs as links at once and hands the unfinished job here
with a ticket. Jobs are rows in the database (`storage.deferred_playlists`), claimed like check-ins:
one worker thread per process claims the due ones (and those whose claimer died, after the lease),
runs each for the account that asked (picking up where the job stopped: an existing playlist is
filled, not created twice, its items counted on Spotify first in case a try died between adding and
recording), records its progress after every step, and calls `on_done` with the outcome so the
caller can store the playlist URL against the ticket and tell the person. A restart or a dead
replica loses no job; a job given up (its account gone, or after `max_attempts`) leaves the person
their links and the half-filled playlist, if any, is deleted.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from recommender.publishing import PlaylistDraft, PublishedPlaylist
from recommender.songs import Song
from recommender.spotify.errors import SpotifyError, SpotifyOverdue, SpotifyRateLimited
from storage.deferred_playlists import ClaimedPlaylist, DeferredPlaylistStore

log = logging.getLogger(__name__)


@dataclass
class PlaylistJob:
    """A playlist on its way to Spotify and how far it got."""

    ticket: str  # what the links reply carried as `external_id`; the outcome names it again
    draft: PlaylistDraft
    playlist_id: str | None = None
    playlist_url: str | None = None
    added: int = 0  # items already added, in draft order of the resolved songs
    attempts: int = 0
    resumed: bool = False  # an earlier try may have added items it did not record: count them
    progress: Callable[[PlaylistJob], None] | None = None  # called after each step

    def advanced(self) -> None:
        if self.progress is not None:
            self.progress(self)


@dataclass(frozen=True)
class DeferredOutcome:
    ticket: str
    draft: PlaylistDraft
    playlist: PublishedPlaylist | None  # None: given up, the person keeps the links
    problem: str | None = None


Runner = Callable[[PlaylistJob], PublishedPlaylist]


class AccountRunners(Protocol):
    """Who finishes a job for a Spotify account slot ("bot", "user:<id>"); None when that account
    is gone (unlinked, forgotten, logged out)."""

    def runner_for(self, account: str) -> Runner | None: ...

    def discard(self, account: str, playlist_id: str) -> None: ...


def encode_draft(draft: PlaylistDraft) -> str:
    return json.dumps(
        {
            "title": draft.title,
            "description": draft.description,
            "songs": [asdict(song) for song in draft.songs],
        }
    )


def decode_draft(text: str) -> PlaylistDraft:
    raw = json.loads(text)
    songs = tuple(
        Song(**{**s, "genres": tuple(s["genres"]), "subgenres": tuple(s["subgenres"])})
        for s in raw["songs"]
    )
    return PlaylistDraft(raw["title"], raw["description"], songs)


class DeferredPlaylists:
    """The delayed playlists' table and one worker thread that finishes the due ones."""

    def __init__(
        self,
        on_done: Callable[[DeferredOutcome], None],
        jobs: DeferredPlaylistStore,
        max_attempts: int = 5,
        failure_delay_s: float = 60.0,
        clock: Callable[[], float] = time.time,
        lease_s: float = 300.0,
        poll_s: float = 30.0,
    ) -> None:
        self.on_done = on_done
        self.jobs = jobs
        self.max_attempts = max_attempts
        self.failure_delay_s = failure_delay_s
        self.lease = timedelta(seconds=lease_s)
        self.poll_s = poll_s  # how often other processes' jobs (and lapsed claims) are looked for
        self.accounts: AccountRunners | None = None
        self._clock = clock  # wall time (seconds since the epoch): rows are shared by processes
        self._wakeup = threading.Condition()
        self._closed = False
        self._worker: threading.Thread | None = None

    def start(self, accounts: AccountRunners) -> None:
        """Begin finishing jobs, this process's and those a restart or another replica left."""
        with self._wakeup:
            self.accounts = accounts
            if self._worker is None and not self._closed:
                self._worker = threading.Thread(
                    target=self._work, name="spotify-deferred-playlists", daemon=True
                )
                self._worker.start()

    def schedule(self, job: PlaylistJob, delay_s: float, account: str) -> None:
        with self._wakeup:
            if self._closed:
                raise RuntimeError("the deferred playlist queue is closed")
        self.jobs.defer_playlist(job.ticket, account, encode_draft(job.draft), self._at(delay_s))
        if job.playlist_id is not None:  # created (and maybe partly filled) before the wait
            self.jobs.playlist_progress(job.ticket, job.playlist_id, job.playlist_url, job.added)
        self.wake()
        log.info("playlist %s deferred for %.0f s", job.ticket, delay_s)

    def pending(self) -> int:
        """Jobs waiting or running, in every process."""
        return self.jobs.unfinished_playlists()

    def wake(self) -> None:
        """Look at the table again now (after a test moved its clock, or a new job)."""
        with self._wakeup:
            self._wakeup.notify()

    def close(self, timeout: float | None = 5.0) -> None:
        with self._wakeup:
            self._closed = True
            self._wakeup.notify()
        if self._worker is not None:
            self._worker.join(timeout)

    def _at(self, delay_s: float) -> datetime:
        return datetime.fromtimestamp(self._clock() + delay_s, UTC)

    def _work(self) -> None:
        while not self._closed:
            try:
                claimed = self.jobs.claim_due_playlists(self._at(0), self.lease)
                for row in claimed:
                    self._run(row)
                next_due = None if claimed else self.jobs.next_playlist_due()
            except Exception:  # e.g. the database away for a moment: try again later
                log.exception("the deferred playlists could not be read")
                claimed, next_due = [], None
            with self._wakeup:
                if claimed or self._closed:
                    continue
                wait = self.poll_s
                if next_due is not None:
                    wait = min(wait, max(0.0, (next_due - self._at(0)).total_seconds()))
                if wait > 0:
                    self._wakeup.wait(wait)

    def _run(self, row: ClaimedPlaylist) -> None:
        draft = decode_draft(row.draft)
        job = PlaylistJob(
            row.ticket,
            draft,
            row.playlist_id,
            row.playlist_url,
            row.added,
            row.attempts + 1,
            resumed=row.playlist_id is not None,
            progress=lambda j: self.jobs.playlist_progress(
                j.ticket, j.playlist_id, j.playlist_url, j.added
            ),
        )
        run = self.accounts.runner_for(row.account) if self.accounts is not None else None
        if run is None:
            self._give_up(job, row.account, "the Spotify account is gone")
            return
        try:
            playlist = run(job)
        except (SpotifyRateLimited, SpotifyOverdue) as exc:
            self._retry_or_give_up(job, row.account, exc.retry_after, str(exc))
            return
        except SpotifyError as exc:
            self._retry_or_give_up(job, row.account, self.failure_delay_s * job.attempts, str(exc))
            return
        except Exception:  # a bug must not kill the worker and every job after it
            log.exception("deferred playlist %s failed", job.ticket)
            self._give_up(job, row.account, "internal error")
            return
        self._report(DeferredOutcome(job.ticket, job.draft, playlist))
        self.jobs.end_playlist(job.ticket, done=True)

    def _retry_or_give_up(self, job: PlaylistJob, account: str, delay_s: float, why: str) -> None:
        if job.attempts >= self.max_attempts:
            log.warning("deferred playlist %s given up after %d tries", job.ticket, job.attempts)
            self._give_up(job, account, why)
            return
        self.jobs.retry_playlist(job.ticket, self._at(delay_s), job.attempts, why)

    def _give_up(self, job: PlaylistJob, account: str, why: str) -> None:
        """The person keeps their links; a half-filled playlist is not left behind."""
        if job.playlist_id is not None and self.accounts is not None:
            try:
                self.accounts.discard(account, job.playlist_id)
            except Exception:
                log.exception("could not delete the unfinished playlist of %s", job.ticket)
        self.jobs.end_playlist(job.ticket, done=False, problem=why)
        self._report(DeferredOutcome(job.ticket, job.draft, None, why))

    def _report(self, outcome: DeferredOutcome) -> None:
        try:
            self.on_done(outcome)
        except Exception:  # the caller's bookkeeping failing must not stop the queue
            log.exception("handling the deferred playlist %s failed", outcome.ticket)
