"""Builds the Spotify side of Moodwave from plain values: the one place its parts are put together.

`bot.app` maps its settings onto `SpotifyConfig` and calls `build_spotify`; nothing in this package
reads settings or the environment. Without a client id, secret and secret key there is no Spotify:
`build_spotify` is not called and playlists are track links.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from recommender.publishing import PlaylistPublisher
from recommender.spotify.client import DEFAULT_POLICY, CallPolicy, SpotifyConnector
from recommender.spotify.deferred import DeferredOutcome, DeferredPlaylists
from recommender.spotify.linked import DEVELOPMENT_MODE_USER_LIMIT, SpotifyAccounts
from recommender.spotify.oauth import (
    SpotifyApp,
    SpotifyAuthorization,
    SpotifyEndpoints,
    StateSigner,
)
from recommender.spotify.search import TrackResolver
from recommender.spotify.tokens import STATE_PURPOSE, TokenCipher, TokenVault, derive_key
from storage.spotify_credentials import SpotifyTables


@dataclass(frozen=True)
class SpotifyConfig:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    secret_key: str = field(repr=False)  # encrypts refresh tokens and signs OAuth states
    previous_secret_keys: tuple[str, ...] = field(default=(), repr=False)
    api_url: str = "https://api.spotify.com/v1"
    accounts_url: str = "https://accounts.spotify.com"
    policy: CallPolicy = DEFAULT_POLICY
    max_linked_users: int = DEVELOPMENT_MODE_USER_LIMIT
    search_limit: int = 5
    state_ttl: timedelta = timedelta(minutes=10)
    deferred_max_attempts: int = 5
    public_playlists: bool = False  # private: only the account's owner and the link see them


@dataclass
class SpotifyServices:
    accounts: SpotifyAccounts
    deferred: DeferredPlaylists

    @property
    def publisher(self) -> PlaylistPublisher:
        """The bot-owned publisher: what `Conversation` takes as its `publisher`."""
        return self.accounts.publisher()

    def start_deferred(self) -> None:
        """Finish delayed playlists in this process (the bot's core: where `on_deferred` can
        tell people), its own and those a restart or another replica left."""
        self.deferred.start(self.accounts)

    def close(self) -> None:
        self.deferred.close()


def build_spotify(
    config: SpotifyConfig,
    tables: SpotifyTables,
    on_deferred: Callable[[DeferredOutcome], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> SpotifyServices:
    """`sleep` and `clock` are seams for tests: one clock (wall time: the delayed playlists' due
    times are shared by processes) serves the rate-limit window and the deferred queue, so moving
    it ends Spotify's wait for both."""
    app = SpotifyApp(config.client_id, config.client_secret, config.redirect_uri)
    authorization = SpotifyAuthorization(
        app, SpotifyEndpoints(config.api_url, config.accounts_url), config.policy.timeout
    )
    vault = TokenVault(
        tables.credentials, TokenCipher(config.secret_key, config.previous_secret_keys)
    )
    connector = SpotifyConnector(
        authorization, config.policy, vault.replace_refresh_token, sleep=sleep, clock=clock
    )
    deferred = DeferredPlaylists(
        on_deferred or _ignore, tables.deferred_queue, config.deferred_max_attempts, clock=clock
    )
    accounts = SpotifyAccounts(
        vault,
        connector,
        StateSigner(derive_key(config.secret_key, STATE_PURPOSE), config.state_ttl),
        TrackResolver(tables.track_matches, config.search_limit),
        deferred,
        config.max_linked_users,
        config.public_playlists,
    )
    return SpotifyServices(accounts, deferred)


def _ignore(_outcome: DeferredOutcome) -> None:
    return None
