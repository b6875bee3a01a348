"""The pure parts of Spotify publishing: redirect URI rule, signed state, token encryption, log
redaction, the search limit and the deferred queue's giving up."""

from __future__ import annotations

import logging
import queue
from datetime import timedelta

import pytest

from recommender.publishing import PlaylistDraft, PublishedPlaylist
from recommender.spotify.deferred import (
    DeferredOutcome,
    DeferredPlaylists,
    PlaylistJob,
    Runner,
)
from recommender.spotify.errors import AuthorizationRejected, SpotifyUnavailable
from recommender.spotify.log_redaction import SecretRedactingFilter, redact
from recommender.spotify.oauth import SpotifyApp, StateSigner, parse_redirect, validate_redirect_uri
from recommender.spotify.search import TrackResolver
from recommender.spotify.tokens import STATE_PURPOSE, TokenCipher, TokenUnreadable, derive_key
from storage import Store

KEY = "a-long-enough-secret-key-for-tests"


@pytest.mark.parametrize(
    "uri",
    [
        "https://moodwave.example/spotify/callback",
        "http://127.0.0.1:8765/spotify/callback",
        "http://[::1]:8765/spotify/callback",
    ],
)
def test_https_and_loopback_ip_redirects_are_accepted(uri: str) -> None:
    assert validate_redirect_uri(uri) == uri


def test_localhost_is_refused_with_the_loopback_ip_to_use() -> None:
    with pytest.raises(ValueError, match=r"rejects 'localhost'.*http://127\.0\.0\.1:8765/cb"):
        validate_redirect_uri("http://localhost:8765/cb")


@pytest.mark.parametrize(
    "uri", ["http://moodwave.example/cb", "http://10.0.0.2:80/cb", "ftp://127.0.0.1/cb", "cb"]
)
def test_plain_http_beyond_loopback_is_refused(uri: str) -> None:
    with pytest.raises(ValueError, match="https"):
        validate_redirect_uri(uri)


def test_the_app_never_shows_its_secret() -> None:
    app = SpotifyApp("client", "very-secret-value", "http://127.0.0.1:1/cb")
    assert "very-secret-value" not in repr(app)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_state_round_trips_with_purpose_and_user() -> None:
    signer = StateSigner(derive_key(KEY, STATE_PURPOSE))
    state = signer.issue("link", 42)
    found = signer.verify(state, "link")
    assert (found.purpose, found.user_id) == ("link", 42)
    assert signer.verify(signer.issue("bot"), "bot").user_id is None


def test_state_that_is_tampered_with_expired_or_for_another_purpose_is_refused() -> None:
    clock = Clock()
    signer = StateSigner(derive_key(KEY, STATE_PURPOSE), timedelta(minutes=10), clock)
    state = signer.issue("link", 42)
    signature = state.partition(".")[2]
    forged_body = StateSigner(b"another key").issue("link", 7).partition(".")[0]
    with pytest.raises(AuthorizationRejected, match="not one Moodwave made"):
        signer.verify(f"{forged_body}.{signature}", "link")
    with pytest.raises(AuthorizationRejected, match="for something else"):
        signer.verify(state, "bot")
    clock.now += 11 * 60
    with pytest.raises(AuthorizationRejected, match="expired"):
        signer.verify(state, "link")


def test_parse_redirect_reads_code_and_state_or_says_what_went_wrong() -> None:
    assert parse_redirect("http://127.0.0.1:1/cb?code=c1&state=s1") == ("c1", "s1")
    with pytest.raises(AuthorizationRejected, match="declined"):
        parse_redirect("http://127.0.0.1:1/cb?error=access_denied")
    with pytest.raises(AuthorizationRejected, match="whole address"):
        parse_redirect("http://127.0.0.1:1/cb")


def test_tokens_are_encrypted_and_readable_after_a_key_rotation() -> None:
    old = TokenCipher(KEY)
    sealed = old.encrypt("refresh-token-value")
    assert "refresh-token-value" not in sealed
    assert old.decrypt(sealed) == "refresh-token-value"
    rotated = TokenCipher("a-brand-new-secret-key-value", previous_secret_keys=(KEY,))
    assert rotated.decrypt(sealed) == "refresh-token-value"
    with pytest.raises(TokenUnreadable, match="moodwave spotify login"):
        TokenCipher("a-brand-new-secret-key-value").decrypt(sealed)


def test_a_short_secret_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        TokenCipher("short")


def test_token_and_state_keys_differ() -> None:
    assert derive_key(KEY, STATE_PURPOSE) != derive_key(KEY, b"moodwave spotify refresh tokens")


def test_redaction_blanks_credentials_codes_and_tokens() -> None:
    line = (
        "Headers: {'Authorization': 'Bearer abc.DEF-123'} {'Authorization': 'Basic Zm9vOmJhcg=='} "
        "Body: {'refresh_token': 'r-123', 'code': 'c-456', 'grant_type': 'refresh_token'} "
        "GET /spotify/callback?code=c-789&state=s-000"
    )
    cleaned = redact(line)
    for secret in ("abc.DEF-123", "Zm9vOmJhcg==", "r-123", "c-456", "c-789", "s-000"):
        assert secret not in cleaned
    assert "'grant_type': 'refresh_token'" in cleaned


def test_the_filter_keeps_uvicorns_access_record_shape() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/spotify/callback?code=c-1&state=s-1", "1.1", 200),
        None,
    )
    assert SecretRedactingFilter().filter(record)
    assert isinstance(record.args, tuple) and len(record.args) == 5
    assert "c-1" not in record.getMessage() and "s-1" not in record.getMessage()


def test_search_limit_above_spotifys_ten_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 10"):
        TrackResolver(limit=11)


class OneAccount:
    """The runner of the only account, and the playlists it was asked to delete."""

    def __init__(self, run: Runner) -> None:
        self.run = run
        self.discarded: list[str] = []

    def runner_for(self, account: str) -> Runner | None:
        return self.run if account == "bot" else None

    def discard(self, account: str, playlist_id: str) -> None:
        self.discarded.append(playlist_id)


def test_the_deferred_queue_gives_up_after_its_attempts_and_says_so(store: Store) -> None:
    outcomes: queue.Queue[DeferredOutcome] = queue.Queue()
    deferred = DeferredPlaylists(
        outcomes.put, store.spotify_tables().deferred_queue, max_attempts=2, failure_delay_s=0.0
    )
    tries: list[int] = []

    def run(job: PlaylistJob) -> PublishedPlaylist:
        tries.append(job.attempts)
        job.playlist_id = "half-filled"
        raise SpotifyUnavailable("Spotify answered 503")

    accounts = OneAccount(run)
    deferred.start(accounts)
    deferred.schedule(PlaylistJob("deferred:t1", PlaylistDraft("t", "d", ())), 0.0, "bot")
    outcome = outcomes.get(timeout=30)
    deferred.close()
    assert outcome.ticket == "deferred:t1" and outcome.playlist is None
    assert outcome.problem == "Spotify answered 503"
    assert tries == [1, 2]
    assert accounts.discarded == ["half-filled"]  # nothing half-made is left on Spotify
    assert deferred.pending() == 0
