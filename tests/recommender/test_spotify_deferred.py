"""A publish ends by one deadline, and the playlists it leaves for later survive a restart: the real
spotipy against the fake Spotify, the delayed playlists in the database (issue 18, items 10-11)."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from recommender.spotify import (
    CallPolicy,
    DeferredOutcome,
    SpotifyConfig,
    SpotifyServices,
    build_spotify,
)
from recommender.spotify.deferred import encode_draft
from storage import Store
from tests.fakes.spotify import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, FakePlaylist, FakeSpotify
from tests.recommender.test_spotify_flow import (
    BOT,
    SECRET_KEY,
    Clock,
    World,
    catalog,
    draft,
    fake,  # noqa: F401 (a fixture)
)

POLICY = CallPolicy(retry_after_cap_s=5.0, server_error_retries=2, backoff_s=0.5)


def services(
    server: FakeSpotify, store: Store, clock: Clock, outcomes: queue.Queue[DeferredOutcome]
) -> SpotifyServices:
    """One process's Spotify services (and deferred worker) on the database."""
    config = SpotifyConfig(
        CLIENT_ID,
        CLIENT_SECRET,
        REDIRECT_URI,
        SECRET_KEY,
        api_url=server.api_url,
        accounts_url=server.accounts_url,
        policy=POLICY,
    )
    spotify = build_spotify(
        config, store.spotify_tables(), outcomes.put, sleep=clock.sleep, clock=clock
    )
    spotify.start_deferred()
    return spotify


class Restartable(World):
    def restart(self) -> None:
        """The process ends and a new one starts on the same database."""
        self.spotify.close()
        self.spotify = services(self.fake, self.store, self.clock, self.outcomes)

    def outcome_as_time_passes(self, step_s: float = 3600, tries: int = 60) -> DeferredOutcome:
        """Move the clock on until the deferred worker reports (its retries wait on the clock)."""
        for _ in range(tries):
            self.clock.now += step_s
            self.spotify.deferred.wake()
            try:
                return self.outcomes.get(timeout=1)
            except queue.Empty:
                continue
        raise AssertionError("the deferred worker reported nothing")


@pytest.fixture
def world(fake: FakeSpotify, store: Store) -> Iterator[Restartable]:  # noqa: F811
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM spotify_track_match"))
        conn.execute(text("DELETE FROM spotify_credential"))
    clock = Clock()
    outcomes: queue.Queue[DeferredOutcome] = queue.Queue()
    restartable = Restartable(fake, store, clock, services(fake, store, clock, outcomes), outcomes)
    yield restartable
    restartable.spotify.close()


def test_one_publish_ends_by_its_deadline_and_the_playlist_follows(world: Restartable) -> None:
    """Each call keeps within its own budget (16 s of waits each), but the publish as a whole
    would take 32 s: it stops at its 20 s deadline with links, and the playlist comes later."""
    world.login_bot()
    songs = catalog(world.fake, 3)
    world.fake.fail_next("/me/playlists", 429, times=4, retry_after=4)
    world.fake.fail_next(r"/playlists/\w+/items", 429, times=4, retry_after=4, method="POST")
    started = world.clock.now

    now = world.spotify.publisher.publish(draft(songs))

    assert world.clock.now - started <= POLICY.publish_deadline_s
    assert now.provider == "links" and (now.external_id or "").startswith("deferred:")
    world.clock.now += 60
    outcome = world.next_outcome()
    assert outcome.ticket == now.external_id and outcome.playlist is not None
    (playlist,) = world.fake.playlists_of(BOT)  # the one created in time, filled later
    assert playlist.uris == [f"spotify:track:{s.spotify_id}" for s in songs]


def test_a_delayed_playlist_is_made_after_a_restart(world: Restartable) -> None:
    world.login_bot()
    songs = catalog(world.fake, 5)
    world.fake.fail_next("/me/playlists", 429, retry_after=600)
    now = world.spotify.publisher.publish(draft(songs))
    assert now.provider == "links"

    world.restart()  # the process restarts before Spotify's wait is over
    world.clock.now += 600
    outcome = world.next_outcome()

    assert outcome.ticket == now.external_id and outcome.playlist is not None
    (playlist,) = world.fake.playlists_of(BOT)
    assert len(playlist.items) == 5
    world.wait_until_none_pending()


def test_a_half_filled_playlist_left_by_a_dead_process_is_finished_without_repeats(
    world: Restartable,
) -> None:
    """The worker added the first 100 items and died before recording it: the next process counts
    the items on Spotify and adds only the other 50."""
    world.login_bot()
    songs = catalog(world.fake, 150)
    uris = [f"spotify:track:{s.spotify_id}" for s in songs]
    world.fake.playlists["half"] = FakePlaylist(
        "half",
        BOT,
        "Lift me up",
        "",
        False,
        False,
        [(u, "2026-12-07T00:00:00Z") for u in uris[:100]],
    )
    world.spotify.close()  # the process that took the job over is gone (below)
    jobs = world.store.spotify_tables().deferred_queue
    at = datetime.fromtimestamp(world.clock.now, UTC)
    jobs.defer_playlist("deferred:dead", "bot", encode_draft(draft(songs)), at - timedelta(hours=1))
    jobs.playlist_progress("deferred:dead", "half", "https://open.spotify.com/playlist/half", 0)
    assert len(jobs.claim_due_playlists(at - timedelta(minutes=10), timedelta(minutes=5))) == 1

    world.restart()  # its lease has lapsed: the new process takes the job over
    outcome = world.next_outcome()

    assert outcome.ticket == "deferred:dead" and outcome.playlist is not None
    assert outcome.playlist.external_id == "half"
    assert world.fake.playlists["half"].uris == uris
    assert world.fake.playlists_of(BOT) == [world.fake.playlists["half"]]


def test_a_delayed_playlist_given_up_is_deleted_not_left_half_made(
    world: Restartable,
) -> None:
    world.login_bot()
    songs = catalog(world.fake, 150)
    world.fake.fail_next(r"/playlists/\w+/items", 429, retry_after=600, method="POST")
    now = world.spotify.publisher.publish(draft(songs))
    assert now.provider == "links"
    (half,) = world.fake.playlists_of(BOT)
    world.fake.fail_next(r"/playlists/\w+/items", 503, times=100, method="POST")
    outcome = world.outcome_as_time_passes()  # every try fails until the queue gives up

    assert outcome.playlist is None
    assert half.id not in world.fake.playlists
