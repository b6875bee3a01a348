"""Spotify playlists through spotipy, robust to Spotify's limits: the bot-owned account by default,
users' own accounts when linked, links whenever Spotify cannot help. `build_spotify` wires it all."""

from recommender.spotify.builder import SpotifyConfig, SpotifyServices, build_spotify
from recommender.spotify.callback import callback_app, callback_routes
from recommender.spotify.client import CallPolicy, SpotifyConnection
from recommender.spotify.deferred import DeferredOutcome, DeferredPlaylists, PlaylistJob
from recommender.spotify.errors import (
    AuthorizationRejected,
    LinkingUnavailable,
    SpotifyError,
    SpotifyForbidden,
    SpotifyNotAuthorized,
    SpotifyRateLimited,
    SpotifyUnavailable,
)
from recommender.spotify.linked import LinkedAccount, SpotifyAccounts
from recommender.spotify.log_redaction import protect_logs
from recommender.spotify.oauth import SpotifyApp, SpotifyEndpoints, validate_redirect_uri
from recommender.spotify.publisher import SpotifyPublisher

__all__ = [
    "AuthorizationRejected",
    "CallPolicy",
    "DeferredOutcome",
    "DeferredPlaylists",
    "LinkedAccount",
    "LinkingUnavailable",
    "PlaylistJob",
    "SpotifyAccounts",
    "SpotifyApp",
    "SpotifyConfig",
    "SpotifyConnection",
    "SpotifyEndpoints",
    "SpotifyError",
    "SpotifyForbidden",
    "SpotifyNotAuthorized",
    "SpotifyPublisher",
    "SpotifyRateLimited",
    "SpotifyServices",
    "SpotifyUnavailable",
    "build_spotify",
    "callback_app",
    "callback_routes",
    "protect_logs",
    "validate_redirect_uri",
]
