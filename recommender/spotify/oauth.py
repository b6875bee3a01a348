"""Spotify's authorization code flow: the app's registration, the authorize URL with a signed,
expiring `state`, the code exchange and the refresh, with spotipy's `SpotifyOAuth` underneath.

Redirect URIs follow Spotify's rule: HTTPS, or plain HTTP only to a loopback IP literal (127.0.0.1 or
[::1]); `localhost` is refused by Spotify and therefore here, with a message that says what to use.
The `state` is an HMAC over purpose, user id, expiry and a nonce, so a callback can trust whose
account it is linking; a person's link is also remembered by its nonce (`SpotifyAccounts`), so it
works once. spotipy's token cache is kept in memory
only; tokens reach disk solely through the encrypted vault.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from spotipy.cache_handler import CacheHandler, MemoryCacheHandler
from spotipy.oauth2 import SpotifyOAuth, SpotifyOauthError

from recommender.spotify.errors import (
    AuthorizationRejected,
    SpotifyError,
    SpotifyNotAuthorized,
    SpotifyUnavailable,
)
from recommender.spotify.log_redaction import protect_logs

SCOPES = ("playlist-modify-public", "playlist-modify-private", "user-read-private")
LOOPBACK_HOSTS = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class SpotifyEndpoints:
    """Where Spotify lives; tests and demos point these at the loopback fake."""

    api_url: str = "https://api.spotify.com/v1"
    accounts_url: str = "https://accounts.spotify.com"


SPOTIFY = SpotifyEndpoints()


@dataclass(frozen=True)
class SpotifyApp:
    """The app registered in Spotify's developer dashboard."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str

    def __post_init__(self) -> None:
        validate_redirect_uri(self.redirect_uri)


@dataclass(frozen=True)
class TokenGrant:
    """What the token endpoint gave: kept in memory, the refresh token goes to the vault."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float
    scope: str


def validate_redirect_uri(uri: str) -> str:
    """The redirect URI if Spotify will accept it, else a ValueError that says what to use."""
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise ValueError(
            f"Spotify rejects 'localhost' in redirect URIs; use the loopback IP instead, e.g. "
            f"http://127.0.0.1:{parts.port or 8443}{parts.path or '/spotify/callback'}"
        )
    if parts.fragment:
        raise ValueError("a Spotify redirect URI cannot contain a '#' fragment")
    if parts.scheme == "https" and host:
        return uri
    if parts.scheme == "http" and _is_loopback_ip(host):
        return uri
    raise ValueError(
        "a Spotify redirect URI must be https://..., or http:// to a loopback IP "
        "(http://127.0.0.1:PORT/... or http://[::1]:PORT/...)"
    )


def _is_loopback_ip(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback and host in LOOPBACK_HOSTS
    except ValueError:
        return False


@dataclass(frozen=True)
class OAuthState:
    purpose: str  # "bot": the operator's login; "link": a user links their own account
    user_id: int | None
    expires_at: float
    nonce: str = ""  # what makes each state unique: a person's link is consumed by it


class StateSigner:
    """Issues and verifies `state` values: HMAC-SHA256 over purpose, user id, expiry and a nonce."""

    def __init__(
        self,
        key: bytes,
        ttl: timedelta = timedelta(minutes=10),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        self._ttl = ttl.total_seconds()
        self._clock = clock

    def issue(self, purpose: str, user_id: int | None = None) -> str:
        expires = int(self._clock() + self._ttl)
        body = f"{purpose}.{'' if user_id is None else user_id}.{expires}.{secrets.token_hex(8)}"
        encoded = _b64(body.encode())
        return f"{encoded}.{_b64(self._sign(encoded))}"

    def verify(self, state: str, purpose: str) -> OAuthState:
        encoded, _, signature = state.partition(".")
        if not signature or not hmac.compare_digest(_b64(self._sign(encoded)), signature):
            raise AuthorizationRejected("this Spotify link is not one Moodwave made; start again")
        try:
            kind, user, expires, nonce = _unb64(encoded).decode().split(".")
            found = OAuthState(kind, int(user) if user else None, float(expires), nonce)
        except ValueError as exc:
            raise AuthorizationRejected("this Spotify link is damaged; start again") from exc
        if found.purpose != purpose:
            raise AuthorizationRejected(
                "this Spotify link was made for something else; start again"
            )
        if found.expires_at < self._clock():
            raise AuthorizationRejected("this Spotify link has expired; ask for a new one")
        return found

    def _sign(self, encoded: str) -> bytes:
        return hmac.new(self._key, encoded.encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_redirect(url: str) -> tuple[str, str]:
    """(code, state) from the URL Spotify redirected the browser to."""
    query = dict(parse_qsl(urlsplit(url.strip()).query))
    if query.get("error"):
        reason = "you declined" if query["error"] == "access_denied" else query["error"]
        raise AuthorizationRejected(f"Spotify did not authorise Moodwave ({reason})")
    if not query.get("code") or not query.get("state"):
        raise AuthorizationRejected(
            "that is not the URL Spotify redirected to: it has no code and state; paste the whole "
            "address from the browser's address bar"
        )
    return query["code"], query["state"]


class _GrantCatcher(CacheHandler):
    """spotipy hands the full token response only to its cache; catch it there, in memory."""

    def __init__(self) -> None:
        self.token_info: dict[str, Any] | None = None

    def get_cached_token(self) -> dict[str, Any] | None:
        return None

    def save_token_to_cache(self, token_info: dict[str, Any]) -> None:
        self.token_info = token_info


class SpotifyAuthorization:
    """Authorize URL, code exchange and refresh for one registered app."""

    def __init__(
        self,
        app: SpotifyApp,
        endpoints: SpotifyEndpoints = SPOTIFY,
        timeout: tuple[float, float] = (3.05, 5.0),
        scopes: tuple[str, ...] = SCOPES,
    ) -> None:
        protect_logs()  # spotipy logs the client's Basic credentials and the code at DEBUG
        self.app = app
        self.endpoints = endpoints
        self.timeout = timeout
        self.scope = " ".join(scopes)

    def _oauth(self, cache: CacheHandler | None = None) -> SpotifyOAuth:
        oauth = SpotifyOAuth(
            client_id=self.app.client_id,
            client_secret=self.app.client_secret,
            redirect_uri=self.app.redirect_uri,
            scope=self.scope,
            open_browser=False,
            requests_timeout=self.timeout,
            cache_handler=cache or MemoryCacheHandler(),
        )
        # Instance attributes, so tests and demos can point one app at the loopback fake.
        oauth.OAUTH_AUTHORIZE_URL = f"{self.endpoints.accounts_url}/authorize"
        oauth.OAUTH_TOKEN_URL = f"{self.endpoints.accounts_url}/api/token"
        return oauth

    def authorize_url(self, state: str) -> str:
        return str(self._oauth().get_authorize_url(state=state))

    def exchange_code(self, code: str) -> TokenGrant:
        catcher = _GrantCatcher()
        refused = AuthorizationRejected("Spotify refused the authorization code; start again")
        with _token_endpoint_errors(refused):
            self._oauth(catcher).get_access_token(code, as_dict=False, check_cache=False)
        if catcher.token_info is None or not catcher.token_info.get("refresh_token"):
            raise AuthorizationRejected("Spotify gave no refresh token; start the login again")
        return _grant(catcher.token_info)

    def refresh(self, refresh_token: str) -> TokenGrant:
        refused = SpotifyNotAuthorized(
            "Spotify refused the stored refresh token (revoked or expired); log in again"
        )
        with _token_endpoint_errors(refused):
            info = self._oauth().refresh_access_token(refresh_token)
        return _grant(info)


def _grant(info: dict[str, Any]) -> TokenGrant:
    return TokenGrant(
        access_token=str(info["access_token"]),
        refresh_token=info.get("refresh_token"),
        expires_at=float(info["expires_at"]),
        scope=str(info.get("scope") or ""),
    )


@contextmanager
def _token_endpoint_errors(refused: SpotifyError) -> Iterator[None]:
    """Turns spotipy's and requests' errors at the token endpoint into ours, without echoing their
    messages, which can carry request details."""
    try:
        yield
    except SpotifyOauthError as exc:
        if getattr(exc, "error", None) == "invalid_client":
            raise SpotifyNotAuthorized(
                "Spotify refused the app's client id or secret; check the Spotify settings"
            ) from None
        raise refused from None
    except requests.RequestException as exc:
        raise SpotifyUnavailable(
            f"Spotify's accounts service did not answer ({type(exc).__name__})"
        ) from None
