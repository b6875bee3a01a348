"""Spotify publishing end to end: the real spotipy against the fake Spotify on loopback, with the
database on SQLite and PostgreSQL. Login and refresh, a 30-song playlist, 429/401/5xx, search for
songs without ids, a second user's own account, tokens encrypted at rest and absent from logs."""

from __future__ import annotations

import io
import logging
import queue
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlmodel import select
from starlette.testclient import TestClient

from bot.spotify_login import spotify_login, spotify_login_command
from recommender.publishing import PlaylistDraft, PublishedPlaylist
from recommender.songs import Song
from recommender.spotify import (
    CallPolicy,
    DeferredOutcome,
    LinkingUnavailable,
    SpotifyConfig,
    SpotifyServices,
    build_spotify,
    callback_app,
)
from storage import NewMood, Store
from storage.models import Playlist, Recommendation
from storage.spotify_credentials import CompletedPlaylist, DeferredPlaylistRows
from tests.fakes.spotify import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, FakeSpotify

SECRET_KEY = "test-secret-key-0123456789abcdef"
BOT = "moodwave-bot"


class Clock:
    """Monotonic time that moves only when told (or when the code under test sleeps)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class World:
    fake: FakeSpotify
    store: Store
    clock: Clock
    spotify: SpotifyServices
    outcomes: queue.Queue[DeferredOutcome] = field(default_factory=queue.Queue)

    def login_bot(self) -> str:
        out, err = io.StringIO(), io.StringIO()
        browser = Browser(self.fake, out, BOT)
        assert spotify_login(self.spotify.accounts, browser.readline, out, err) == 0, err.getvalue()
        return out.getvalue()

    def next_outcome(self) -> DeferredOutcome:
        self.spotify.deferred.wake()
        return self.outcomes.get(timeout=30)

    def wait_until_none_pending(self, timeout: float = 30) -> None:
        """The worker reports a job's outcome, then records the job done."""
        deadline = time.monotonic() + timeout
        while self.spotify.deferred.pending() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.spotify.deferred.pending() == 0


class Browser:
    """The operator: opens the URL the login printed, agrees, pastes the address back."""

    def __init__(self, fake: FakeSpotify, printed: io.StringIO, user: str) -> None:
        self.fake, self.printed, self.user = fake, printed, user

    def readline(self) -> str:
        url = re.search(r"http\S+/authorize\?\S+", self.printed.getvalue())
        assert url, "the login printed no authorize URL"
        return self.fake.approve(url[0], self.user) + "\n"


@pytest.fixture
def fake() -> Iterator[FakeSpotify]:
    with FakeSpotify() as fake:
        fake.add_user(BOT, "Moodwave")
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def world(fake: FakeSpotify, store: Store) -> Iterator[World]:
    with store.engine.begin() as conn:  # not among the tables conftest truncates on PostgreSQL
        conn.execute(text("DELETE FROM spotify_track_match"))
        conn.execute(text("DELETE FROM spotify_credential"))
    clock = Clock()
    outcomes: queue.Queue[DeferredOutcome] = queue.Queue()
    config = SpotifyConfig(
        CLIENT_ID,
        CLIENT_SECRET,
        REDIRECT_URI,
        SECRET_KEY,
        api_url=fake.api_url,
        accounts_url=fake.accounts_url,
        policy=CallPolicy(retry_after_cap_s=5.0, server_error_retries=2, backoff_s=0.5),
        max_linked_users=2,
    )
    spotify = build_spotify(
        config, store.spotify_tables(), outcomes.put, sleep=clock.sleep, clock=clock
    )
    spotify.start_deferred()
    yield World(fake, store, clock, spotify, outcomes)
    spotify.close()


def catalog(fake: FakeSpotify, count: int, prefix: str = "Song") -> tuple[Song, ...]:
    songs = []
    for n in range(count):
        track = fake.add_track(f"{prefix} {n}", f"Artist {prefix} {n}")
        songs.append(
            Song(f"t-{prefix}-{n}", track.name, track.artists[0], 0.1, 0.2, spotify_id=track.id)
        )
    return tuple(songs)


def draft(songs: tuple[Song, ...]) -> PlaylistDraft:
    return PlaylistDraft(
        "Lift me up: from 'drained' to 'hopeful', 22 Nov", "From drained\nto hopeful.", songs
    )


def assert_is_spotify_playlist(fake: FakeSpotify, published: PublishedPlaylist, owner: str) -> None:
    assert published.provider == "spotify"
    assert published.external_id in fake.playlists
    assert published.url == f"https://open.spotify.com/playlist/{published.external_id}"
    assert fake.playlists[published.external_id].owner_id == owner


def test_login_stores_the_refresh_token_encrypted_and_publishing_refreshes(world: World) -> None:
    printed = world.login_bot()
    assert "Logged in to Spotify as Moodwave" in printed
    refresh_tokens = world.fake.tokens_of(BOT)
    with world.store.engine.connect() as conn:
        rows = [tuple(map(str, r)) for r in conn.execute(text("SELECT * FROM spotify_credential"))]
    assert len(rows) == 1
    assert not any(token in cell for token in refresh_tokens for cell in rows[0])

    songs = catalog(world.fake, 3)
    published = world.spotify.publisher.publish(draft(songs))

    assert_is_spotify_playlist(world.fake, published, BOT)
    grants = [r.body for r in world.fake.requests("/api/token")]
    assert grants == ["authorization_code", "refresh_token"]  # a new process refreshes


def test_a_30_song_playlist_is_created_named_and_filled_in_order(world: World) -> None:
    world.login_bot()
    songs = catalog(world.fake, 30)

    published = world.spotify.publisher.publish(draft(songs))

    assert_is_spotify_playlist(world.fake, published, BOT)
    playlist = world.fake.playlists[published.external_id or ""]
    assert playlist.name == "Lift me up: from 'drained' to 'hopeful', 22 Nov"
    assert playlist.description == "From drained to hopeful."
    assert playlist.uris == [f"spotify:track:{s.spotify_id}" for s in songs]
    assert published.track_urls == tuple(s.spotify_url for s in songs)
    assert len(world.fake.requests(r"/playlists/\w+/items", "POST")) == 1


def test_long_playlists_are_added_100_items_at_a_time(world: World) -> None:
    world.login_bot()
    songs = catalog(world.fake, 230)

    published = world.spotify.publisher.publish(draft(songs))

    adds = world.fake.requests(r"/playlists/\w+/items", "POST")
    assert [r.body.count("spotify:track:") for r in adds] == [100, 100, 30]
    assert len(world.fake.playlists[published.external_id or ""].items) == 230


def test_a_long_retry_after_sends_links_now_and_the_playlist_later(world: World) -> None:
    world.login_bot()
    songs = catalog(world.fake, 30)
    world.fake.fail_next("/me/playlists", 429, retry_after=3600)

    now = world.spotify.publisher.publish(draft(songs))

    assert now.provider == "links" and now.url is None
    assert now.track_urls == tuple(s.spotify_url for s in songs)
    assert now.external_id and now.external_id.startswith("deferred:")
    assert world.fake.playlists_of(BOT) == []
    assert world.clock.sleeps == []  # nobody waited on the rate limit

    calls_before = len(world.fake.requests())
    second = world.spotify.publisher.publish(draft(songs[:5]))
    assert second.provider == "links"
    assert len(world.fake.requests()) == calls_before  # the window is shut: no call at all

    world.clock.now += 3600
    outcomes = {}
    for _ in range(2):
        outcome = world.next_outcome()
        outcomes[outcome.ticket] = outcome
    later = outcomes[now.external_id].playlist
    assert later is not None
    assert_is_spotify_playlist(world.fake, later, BOT)
    assert world.fake.playlists[later.external_id or ""].uris == [
        f"spotify:track:{s.spotify_id}" for s in songs
    ]
    world.wait_until_none_pending()


def test_a_rate_limit_while_filling_resumes_the_same_playlist(world: World) -> None:
    world.login_bot()
    songs = catalog(world.fake, 150)
    world.fake.fail_next(r"/playlists/\w+/items", 429, retry_after=600, method="POST")

    now = world.spotify.publisher.publish(draft(songs))
    assert now.provider == "links"
    world.clock.now += 600
    later = world.next_outcome().playlist

    assert later is not None
    assert len(world.fake.playlists_of(BOT)) == 1  # created once, filled after the wait
    assert len(world.fake.playlists[later.external_id or ""].items) == 150


def test_a_short_retry_after_is_waited_out(world: World) -> None:
    world.login_bot()
    world.fake.fail_next("/me/playlists", 429, retry_after=2)
    before = {o: _requests(o) for o in ("ok", "rate_limited")}

    published = world.spotify.publisher.publish(draft(catalog(world.fake, 4)))

    assert published.provider == "spotify"
    assert world.clock.sleeps == [2.0]
    # The bot's /metrics counts every request and the 429 among them.
    assert _requests("rate_limited") - before["rate_limited"] == 1
    assert _requests("ok") - before["ok"] >= 2  # the playlist made, then filled


def _requests(outcome: str) -> float:
    value = REGISTRY.get_sample_value("moodwave_spotify_requests_total", {"outcome": outcome})
    return value or 0.0


def test_an_expired_access_token_is_refreshed_once(world: World) -> None:
    world.login_bot()
    world.spotify.publisher.publish(draft(catalog(world.fake, 2, "A")))
    world.fake.expire_access_tokens()

    published = world.spotify.publisher.publish(draft(catalog(world.fake, 2, "B")))

    assert published.provider == "spotify"
    assert [r.body for r in world.fake.requests("/api/token")].count("refresh_token") == 2
    assert [r.status for r in world.fake.requests("/me/playlists")] == [201, 401, 201]


def test_a_token_refused_after_refresh_falls_back_to_links(world: World) -> None:
    world.login_bot()
    world.fake.fail_next("/me/playlists", 401, times=2)

    published = world.spotify.publisher.publish(draft(catalog(world.fake, 2)))

    assert published.provider == "links"


def test_a_server_error_is_retried_with_backoff(world: World) -> None:
    world.login_bot()
    world.fake.fail_next("/me/playlists", 500)
    world.fake.fail_next(r"/playlists/\w+/items", 503, method="POST")

    published = world.spotify.publisher.publish(draft(catalog(world.fake, 3)))

    assert_is_spotify_playlist(world.fake, published, BOT)
    assert world.clock.sleeps == [0.5, 0.5]
    assert len(world.fake.playlists[published.external_id or ""].items) == 3


def test_spotify_down_means_links_after_a_few_tries(world: World) -> None:
    world.login_bot()
    world.fake.fail_next("/me/playlists", 502, times=10)

    published = world.spotify.publisher.publish(draft(catalog(world.fake, 3)))

    assert published.provider == "links"
    assert world.clock.sleeps == [0.5, 1.0]
    assert len(world.fake.requests("/me/playlists")) == 3


def test_songs_without_ids_are_searched_once_and_unknown_ones_stay_search_links(
    world: World,
) -> None:
    world.login_bot()
    found = world.fake.add_track("Mr. Blue Sky", "Electric Light Orchestra")
    world.fake.add_track("Mr. Blue Sky", "A Cover Band")  # same title, another artist
    known = catalog(world.fake, 2)
    blue = Song("t-blue", "Mr. Blue Sky", "Electric Light Orchestra", 0.8, 0.5)
    unknown = Song("t-none", "Song Nobody Has", "Nobody", 0.0, 0.0)
    songs = (*known, blue, unknown)

    published = world.spotify.publisher.publish(draft(songs))

    assert published.track_urls[2] == f"https://open.spotify.com/track/{found.id}"
    assert published.track_urls[3] == "https://open.spotify.com/search/Nobody%20Song%20Nobody%20Has"
    playlist = world.fake.playlists[published.external_id or ""]
    assert playlist.uris == [*(f"spotify:track:{s.spotify_id}" for s in known), found.uri]
    searches = world.fake.requests("/search")
    assert len(searches) == 2 and all(int(dict(r.query)["limit"]) <= 10 for r in searches)

    world.spotify.publisher.publish(draft(songs))
    assert len(world.fake.requests("/search")) == 2  # both answers came from the cache
    with world.store.engine.connect() as conn:
        rows = conn.execute(text("SELECT query_key, spotify_id FROM spotify_track_match"))
        cached = {key: spotify_id for key, spotify_id in rows}
    assert cached == {
        "electric light orchestra|mr blue sky": found.id,
        "nobody|song nobody has": None,
    }


def test_only_unknown_songs_means_links(world: World) -> None:
    world.login_bot()
    published = world.spotify.publisher.publish(draft((Song("t", "Nope", "Nobody", 0, 0),)))
    assert published.provider == "links" and world.fake.playlists_of(BOT) == []


def test_without_a_login_the_publisher_sends_links(world: World) -> None:
    published = world.spotify.publisher.publish(draft(catalog(world.fake, 2)))
    assert published.provider == "links"
    assert world.fake.requests() == []


def link(world: World, user_id: int, spotify_user: str) -> None:
    redirect = world.fake.approve(world.spotify.accounts.link_url(user_id), spotify_user)
    client = TestClient(callback_app(world.spotify.accounts))
    page = client.get(redirect.replace(REDIRECT_URI, "http://testserver/spotify/callback"))
    assert page.status_code == 200, page.text
    assert "Spotify is linked" in page.text


def test_a_second_user_links_their_own_account_and_tokens_never_mix(world: World) -> None:
    world.login_bot()
    world.fake.add_user("bea-spotify", "Bea")
    bea = world.store.get_or_create_user("console", "bea").id
    cal = world.store.get_or_create_user("console", "cal").id
    assert bea is not None and cal is not None

    link(world, bea, "bea-spotify")
    for_bea = world.spotify.accounts.publisher_for(bea).publish(draft(catalog(world.fake, 3, "B")))
    for_cal = world.spotify.accounts.publisher_for(cal).publish(draft(catalog(world.fake, 3, "C")))

    assert_is_spotify_playlist(world.fake, for_bea, "bea-spotify")
    assert_is_spotify_playlist(world.fake, for_cal, BOT)
    for request in world.fake.requests(r"/(me/playlists|playlists/.*)"):
        playlist_id = request.path.split("/")[2] if request.path.startswith("/playlists/") else None
        if playlist_id:
            assert request.user_id == world.fake.playlists[playlist_id].owner_id
    with world.store.engine.connect() as conn:
        stored = " ".join(str(r) for r in conn.execute(text("SELECT * FROM spotify_credential")))
    for token in world.fake.tokens_of("bea-spotify") | world.fake.tokens_of(BOT):
        assert token not in stored

    world.store.forget_user(bea)
    after = world.spotify.accounts.publisher_for(bea).publish(draft(catalog(world.fake, 1, "D")))
    assert_is_spotify_playlist(world.fake, after, BOT)


def test_linking_stops_at_the_development_mode_limit(world: World) -> None:
    world.login_bot()
    ids = []
    for name in ("u1", "u2", "u3"):
        world.fake.add_user(f"{name}-spotify", name)
        user_id = world.store.get_or_create_user("console", name).id
        assert user_id is not None
        ids.append(user_id)
    link(world, ids[0], "u1-spotify")
    link(world, ids[1], "u2-spotify")

    with pytest.raises(LinkingUnavailable, match="development mode"):
        world.spotify.accounts.link_url(ids[2])
    published = world.spotify.accounts.publisher_for(ids[2]).publish(draft(catalog(world.fake, 1)))
    assert_is_spotify_playlist(world.fake, published, BOT)
    assert world.spotify.accounts.link_url(ids[0])  # relinking takes no new place


def test_a_user_spotify_does_not_admit_is_told_and_stays_on_the_bot_account(
    world: World,
) -> None:
    world.fake.add_user("outsider", "Out", allowed=False)
    user_id = world.store.get_or_create_user("console", "out").id
    assert user_id is not None
    redirect = world.fake.approve(world.spotify.accounts.link_url(user_id), "outsider")
    client = TestClient(callback_app(world.spotify.accounts))

    page = client.get(redirect.replace(REDIRECT_URI, "http://testserver/spotify/callback"))

    assert page.status_code == 400 and "development-mode" in page.text
    assert world.spotify.accounts.vault.linked_account(user_id) is None


def test_the_callback_refuses_forged_and_declined_links(world: World) -> None:
    client = TestClient(callback_app(world.spotify.accounts))
    forged = client.get("/spotify/callback", params={"code": "c", "state": "made.up"})
    assert forged.status_code == 400 and "not one Moodwave made" in forged.text
    declined = client.get("/spotify/callback", params={"error": "access_denied", "state": "x"})
    assert declined.status_code == 400 and "you declined" in declined.text


def test_login_with_a_declined_or_garbled_redirect_says_what_to_do(world: World) -> None:
    for pasted in ("http://127.0.0.1:8765/spotify/callback?error=access_denied\n", "nonsense\n"):
        out, err = io.StringIO(), io.StringIO()
        assert spotify_login(world.spotify.accounts, io.StringIO(pasted).readline, out, err) == 1
        assert "Spotify login failed" in err.getvalue()
    assert world.spotify.accounts.vault.bot_account() is None


def test_no_token_or_secret_reaches_the_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world.login_bot()
    world.fake.add_user("bea-spotify", "Bea")
    bea = world.store.get_or_create_user("console", "bea").id
    assert bea is not None
    link(world, bea, "bea-spotify")
    world.spotify.publisher.publish(draft(catalog(world.fake, 3, "A")))
    world.fake.expire_access_tokens()
    world.spotify.accounts.publisher_for(bea).publish(draft(catalog(world.fake, 3, "B")))
    world.fake.fail_next("/me/playlists", 429, retry_after=3600)
    world.spotify.publisher.publish(draft(catalog(world.fake, 3, "C")))

    # The test client is the person's browser, not Moodwave: its own request log is left out.
    ours = [r for r in caplog.records if not r.name.startswith("httpx")]
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in ours)
    assert "Authorization" in logged  # spotipy did log its headers: the filter had work to do
    secrets = world.fake.tokens_of(BOT) | world.fake.tokens_of("bea-spotify")
    secrets |= {CLIENT_SECRET, SECRET_KEY}
    assert secrets and not [s for s in secrets if s in logged]
    assert not re.search(r"code=(?!\[redacted\])[\w-]{10,}", logged)


def test_a_rotated_refresh_token_replaces_the_stored_one(world: World) -> None:
    world.login_bot()
    world.fake.rotate_refresh_tokens = True  # the old refresh token stops working on each refresh
    world.spotify.publisher.publish(draft(catalog(world.fake, 1, "A")))
    world.fake.expire_access_tokens()
    world.spotify.publisher.publish(draft(catalog(world.fake, 1, "B")))

    config = SpotifyConfig(
        CLIENT_ID,
        CLIENT_SECRET,
        REDIRECT_URI,
        SECRET_KEY,
        api_url=world.fake.api_url,
        accounts_url=world.fake.accounts_url,
    )
    restarted = build_spotify(config, world.store.spotify_tables())
    try:
        published = restarted.publisher.publish(draft(catalog(world.fake, 1, "C")))
    finally:
        restarted.close()
    assert_is_spotify_playlist(world.fake, published, BOT)
    assert len(world.fake.playlists_of(BOT)) == 3


def test_a_changed_secret_key_means_links_not_a_crash(world: World) -> None:
    world.login_bot()
    config = SpotifyConfig(
        CLIENT_ID,
        CLIENT_SECRET,
        REDIRECT_URI,
        "a-different-secret-key-0123456789",
        api_url=world.fake.api_url,
        accounts_url=world.fake.accounts_url,
    )
    rekeyed = build_spotify(config, world.store.spotify_tables())
    try:
        published = rekeyed.publisher.publish(draft(catalog(world.fake, 2)))
    finally:
        rekeyed.close()
    assert published.provider == "links"


def test_the_login_command_names_the_missing_settings(store: Store) -> None:
    err = io.StringIO()
    assert spotify_login_command(None, store.spotify_tables(), lambda: "", io.StringIO(), err) == 2
    assert "MOODWAVE_SECRET_KEY" in err.getvalue()
    localhost = SpotifyConfig(CLIENT_ID, CLIENT_SECRET, "http://localhost:8765/cb", SECRET_KEY)
    err = io.StringIO()
    assert (
        spotify_login_command(localhost, store.spotify_tables(), lambda: "", io.StringIO(), err)
        == 2
    )
    assert "127.0.0.1" in err.getvalue()


def test_the_deferred_playlist_replaces_the_links_row_of_its_recommendation(
    world: World,
) -> None:
    world.login_bot()
    songs = catalog(world.fake, 2)
    user = world.store.get_or_create_user("console", "ann")
    chat = world.store.get_or_create_chat("console", "ann", "private", None, user.id)
    assert user.id and chat.id
    mood = world.store.add_mood_report(user.id, chat.id, NewMood("sad", "text", -0.5, 0, 1, "v"))
    assert mood.id
    recommendation, _ = world.store.save_recommendation(
        Recommendation(
            user_id=user.id,
            chat_id=chat.id,
            mood_report_id=mood.id,
            mode="lift",
            target_valence=0.5,
            target_arousal=0.0,
            strategy="s",
            model_version="m",
        ),
        [],
    )
    assert recommendation.id
    world.fake.fail_next("/me/playlists", 429, retry_after=60)
    links = world.spotify.publisher.publish(draft(songs))
    world.store.save_playlist(  # what the conversation stores with the links reply
        Playlist(
            recommendation_id=recommendation.id,
            provider=links.provider,
            url=links.url,
            external_id=links.external_id,
        )
    )
    world.clock.now += 60
    outcome = world.next_outcome()
    assert outcome.playlist is not None and outcome.playlist.external_id

    done = DeferredPlaylistRows(world.store.engine).complete(
        outcome.ticket, outcome.playlist.url, outcome.playlist.external_id
    )

    assert done == CompletedPlaylist(recommendation.id, chat.id, user.id)
    with world.store.session() as s:
        row = s.exec(select(Playlist)).one()
    assert (row.provider, row.url) == ("spotify", outcome.playlist.url)
    assert DeferredPlaylistRows(world.store.engine).complete("deferred:none", None, "x") is None
