"""Playlists Spotify could not take now, created later in the background.

When Spotify answers 429 with a `Retry-After` longer than a person should wait, the publisher sends
the songs as links at once and hands the unfinished job here with a ticket. One worker thread keeps
the jobs ordered by due time, runs each when Spotify's wait is over (picking up where the job
stopped: an existing playlist is filled, not created twice), and calls `on_done` with the outcome so
the caller can store the playlist URL against the ticket and tell the person. Jobs live in memory: a
restart loses them, and the person keeps their links.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from recommender.publishing import PlaylistDraft, PublishedPlaylist
from recommender.spotify.errors import SpotifyError, SpotifyRateLimited

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


@dataclass(frozen=True)
class DeferredOutcome:
    ticket: str
    draft: PlaylistDraft
    playlist: PublishedPlaylist | None  # None: given up, the person keeps the links
    problem: str | None = None


Runner = Callable[[PlaylistJob], PublishedPlaylist]


@dataclass(order=True)
class _Entry:
    due: float
    order: int
    job: PlaylistJob = field(compare=False)
    run: Runner = field(compare=False)


class DeferredPlaylists:
    """A due-time queue and one worker thread that finishes playlist jobs after Spotify's wait."""

    def __init__(
        self,
        on_done: Callable[[DeferredOutcome], None],
        max_attempts: int = 5,
        failure_delay_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.on_done = on_done
        self.max_attempts = max_attempts
        self.failure_delay_s = failure_delay_s
        self._clock = clock
        self._queue: list[_Entry] = []
        self._order = itertools.count()
        self._wakeup = threading.Condition()
        self._closed = False
        self._running = 0
        self._worker: threading.Thread | None = None

    def schedule(self, job: PlaylistJob, delay_s: float, run: Runner) -> None:
        with self._wakeup:
            if self._closed:
                raise RuntimeError("the deferred playlist queue is closed")
            heapq.heappush(
                self._queue, _Entry(self._clock() + delay_s, next(self._order), job, run)
            )
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work, name="spotify-deferred-playlists", daemon=True
                )
                self._worker.start()
            self._wakeup.notify()
        log.info("playlist %s deferred for %.0f s (Spotify rate limit)", job.ticket, delay_s)

    def pending(self) -> int:
        """Jobs waiting or running."""
        with self._wakeup:
            return len(self._queue) + self._running

    def wake(self) -> None:
        """Look at the queue again now (after a test moved its clock, say)."""
        with self._wakeup:
            self._wakeup.notify()

    def close(self, timeout: float | None = 5.0) -> None:
        with self._wakeup:
            self._closed = True
            self._wakeup.notify()
        if self._worker is not None:
            self._worker.join(timeout)

    def _work(self) -> None:
        while True:
            entry = self._next_due()
            if entry is None:
                return
            try:
                self._run(entry)
            finally:
                with self._wakeup:
                    self._running -= 1

    def _next_due(self) -> _Entry | None:
        with self._wakeup:
            while not self._closed:
                if self._queue and self._queue[0].due <= self._clock():
                    self._running += 1
                    return heapq.heappop(self._queue)
                wait = self._queue[0].due - self._clock() if self._queue else None
                self._wakeup.wait(wait)
            return None

    def _run(self, entry: _Entry) -> None:
        job = entry.job
        job.attempts += 1
        try:
            playlist = entry.run(job)
        except SpotifyRateLimited as exc:
            self._retry_or_give_up(entry, exc.retry_after, str(exc))
            return
        except SpotifyError as exc:
            self._retry_or_give_up(entry, self.failure_delay_s * job.attempts, str(exc))
            return
        except Exception:  # a bug must not kill the worker and every job after it
            log.exception("deferred playlist %s failed", job.ticket)
            self._report(DeferredOutcome(job.ticket, job.draft, None, "internal error"))
            return
        self._report(DeferredOutcome(job.ticket, job.draft, playlist))

    def _retry_or_give_up(self, entry: _Entry, delay_s: float, problem: str) -> None:
        job = entry.job
        if job.attempts >= self.max_attempts:
            log.warning("deferred playlist %s given up after %d tries", job.ticket, job.attempts)
            self._report(DeferredOutcome(job.ticket, job.draft, None, problem))
            return
        with self._wakeup:
            if self._closed:
                return
            heapq.heappush(
                self._queue, _Entry(self._clock() + delay_s, next(self._order), job, entry.run)
            )

    def _report(self, outcome: DeferredOutcome) -> None:
        try:
            self.on_done(outcome)
        except Exception:  # the caller's bookkeeping failing must not stop the queue
            log.exception("handling the deferred playlist %s failed", outcome.ticket)
