"""spotipy, tamed: one `SpotifyConnection` per account that calls the Web API with our own policy.

spotipy's own retries are switched off by giving it a plain `requests.Session` (no urllib3 `Retry`):
its default retry honours `Retry-After` by sleeping, for hours if Spotify says so, and with
`retries=0` it raises without the header. Instead every call goes through `CallPolicy`: each request
has a connect and read timeout; a 429 waits out `Retry-After` only up to a cap and otherwise raises
`SpotifyRateLimited` (and every call for this account fails fast until the wait is over, since more
calls only lengthen Spotify's penalty); a 401 refreshes the access token once; a 5xx or a connection
failure is retried a few times with exponential backoff; and no call runs past its time budget.
spotipy and urllib3 log URLs, headers and bodies at DEBUG: `protect_logs` blanks the secrets in them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import requests
import spotipy
from prometheus_client import Counter
from spotipy.exceptions import SpotifyException

from recommender.spotify.errors import (
    SpotifyForbidden,
    SpotifyNotAuthorized,
    SpotifyOverdue,
    SpotifyRateLimited,
    SpotifyUnavailable,
)
from recommender.spotify.log_redaction import protect_logs
from recommender.spotify.oauth import SPOTIFY, SpotifyAuthorization, SpotifyEndpoints, TokenGrant

log = logging.getLogger(__name__)
Result = TypeVar("Result")

# Every request to the Web API by how it ended (`rate_limited`: a 429), on the default registry
# of the process that calls (the bot's /metrics shows it).
REQUESTS = Counter(
    "moodwave_spotify_requests",
    "Spotify Web API requests by outcome: ok, rate_limited (429), unauthorized, forbidden, "
    "server_error, client_error, network",
    ["outcome"],
)


@dataclass(frozen=True)
class CallPolicy:
    """How patient one Spotify call is. The defaults keep a chat reply within a few seconds."""

    connect_timeout_s: float = 3.05
    read_timeout_s: float = 5.0
    retry_after_cap_s: float = 5.0  # a longer Retry-After defers the work instead of waiting
    server_error_retries: int = 2
    backoff_s: float = 0.5  # first backoff; doubles per retry
    budget_s: float = 20.0  # no call with its waits runs longer than this
    # No publish (its searches, the playlist's creation and filling) runs longer than this, plus one
    # request's timeouts; what is left is done later. Well under the update's lease (60 s).
    publish_deadline_s: float = 20.0

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout_s, self.read_timeout_s)


DEFAULT_POLICY = CallPolicy()


def retry_after_seconds(headers: Mapping[str, str] | None, default: float = 1.0) -> float:
    """Retry-After in seconds (Spotify sends whole seconds); `default` when absent or unreadable."""
    raw = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else default
    except ValueError:
        return default


class RateLimitWindow:
    """Until when Spotify asked the app to stop calling. Spotify limits per app, so every account's
    connection shares one window and none of them calls while it is open."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until = 0.0
        self._lock = threading.Lock()

    def close_for(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, self._clock() + seconds)

    def remaining(self) -> float:
        with self._lock:
            return max(0.0, self._until - self._clock())


class AccessTokens:
    """Keeps one account's access token fresh; spotipy asks it for a token before each request.

    Spotify may rotate the refresh token on a refresh; `on_rotated` stores the new one (encrypted)."""

    def __init__(
        self,
        authorization: SpotifyAuthorization,
        refresh_token: str,
        on_rotated: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
        grant: TokenGrant | None = None,
    ) -> None:
        self._authorization = authorization
        self._refresh_token = refresh_token
        self._on_rotated = on_rotated
        self._clock = clock
        # A fresh grant (just after login) saves one refresh.
        self._access_token: str | None = grant.access_token if grant else None
        self._expires_at = grant.expires_at if grant else 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "AccessTokens(...)"

    def get_access_token(self, as_dict: bool = False) -> str:
        """spotipy's auth-manager hook: a valid access token, refreshed a minute before expiry."""
        with self._lock:
            if self._access_token is None or self._expires_at - 60 <= self._clock():
                self._refresh()
            assert self._access_token is not None
            return self._access_token

    def invalidate(self, rejected: str | None) -> None:
        """Spotify said 401 to this token: the next request refreshes (once per rejected token)."""
        with self._lock:
            if rejected is None or rejected == self._access_token:
                self._access_token = None

    @property
    def refresh_token(self) -> str:
        with self._lock:
            return self._refresh_token

    def current(self) -> str | None:
        with self._lock:
            return self._access_token

    def _refresh(self) -> None:
        grant = self._authorization.refresh(self._refresh_token)
        self._access_token, self._expires_at = grant.access_token, grant.expires_at
        if grant.refresh_token and grant.refresh_token != self._refresh_token:
            self._refresh_token = grant.refresh_token
            if self._on_rotated is not None:
                self._on_rotated(grant.refresh_token)


class SpotifyConnection:
    """spotipy for one account, called only through `call`, which applies the `CallPolicy`."""

    def __init__(
        self,
        tokens: AccessTokens,
        endpoints: SpotifyEndpoints = SPOTIFY,
        policy: CallPolicy = DEFAULT_POLICY,
        rate_limit: RateLimitWindow | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        protect_logs()
        self.tokens = tokens
        self.policy = policy
        self.rate_limit = rate_limit or RateLimitWindow(clock)
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()  # spotipy and its session are used by one thread at a time
        self._spotify = spotipy.Spotify(
            auth_manager=tokens,
            requests_session=requests.Session(),  # a plain session: no urllib3 retries or sleeps
            requests_timeout=policy.timeout,
            retries=0,
            status_retries=0,
        )
        self._spotify.prefix = endpoints.api_url.rstrip("/") + "/"

    def within(self, seconds: float) -> BoundedConnection:
        """This connection for calls that must all end within `seconds` from now (one publish)."""
        return BoundedConnection(self, self._clock() + seconds)

    def call(
        self, operation: Callable[[spotipy.Spotify], Result], deadline: float | None = None
    ) -> Result:
        """Run `operation(spotify)` under the policy, and not past `deadline` (this connection's
        clock) when given. Raises a `SpotifyError` when it gives up, `SpotifyOverdue` at the
        deadline."""
        started = self._clock()
        refreshed = False
        failures = 0
        while True:
            self._raise_if_blocked()
            if deadline is not None and self._clock() >= deadline:
                raise SpotifyOverdue(0.0)
            used_token = self.tokens.current()
            try:
                with self._lock:
                    result = operation(self._spotify)
                REQUESTS.labels("ok").inc()
                return result
            except SpotifyException as exc:
                REQUESTS.labels(_outcome(exc.http_status)).inc()
                if exc.http_status == 401 and not refreshed:
                    refreshed = True  # an expired or revoked access token: refresh once
                    self.tokens.invalidate(used_token)
                    continue
                wait = self._wait_before_retry(exc, failures, started, deadline)
            except (requests.ConnectionError, requests.Timeout) as exc:
                REQUESTS.labels("network").inc()
                wait = self._wait_after_network_error(exc, failures, started, deadline)
            failures += 1
            self._sleep(wait)

    def _raise_if_blocked(self) -> None:
        remaining = self.rate_limit.remaining()
        if remaining > 0:
            raise SpotifyRateLimited(remaining)

    def _wait_before_retry(
        self, exc: SpotifyException, failures: int, started: float, deadline: float | None
    ) -> float:
        status = exc.http_status
        if status == 429:
            wait = retry_after_seconds(exc.headers)
            fits = self._fits_budget(started, wait) and self._fits(deadline, wait)
            if wait > self.policy.retry_after_cap_s or not fits:
                self.rate_limit.close_for(wait)
                log.warning("Spotify rate limit: waiting %.0f s before calling again", wait)
                raise SpotifyRateLimited(wait) from None
            return wait
        if status == 401:
            raise SpotifyNotAuthorized(
                "Spotify refused a freshly refreshed token; log in to Spotify again"
            ) from None
        if status == 403:
            raise SpotifyForbidden(f"Spotify refused the account: {_reason(exc)}") from None
        if status >= 500:
            return self._backoff(failures, started, deadline, f"Spotify answered {status}")
        raise SpotifyUnavailable(f"Spotify answered {status}: {_reason(exc)}") from None

    def _wait_after_network_error(
        self, exc: Exception, failures: int, started: float, deadline: float | None
    ) -> float:
        # A read timeout on a POST may have created the playlist already; retrying risks a
        # duplicate, so only failures to connect are retried.
        if isinstance(exc, requests.ReadTimeout):
            raise SpotifyUnavailable("Spotify did not answer in time") from None
        what = f"cannot reach Spotify ({type(exc).__name__})"
        return self._backoff(failures, started, deadline, what)

    def _backoff(self, failures: int, started: float, deadline: float | None, what: str) -> float:
        wait = self.policy.backoff_s * 2**failures
        if failures >= self.policy.server_error_retries or not self._fits_budget(started, wait):
            raise SpotifyUnavailable(f"{what}; gave up after {failures + 1} tries") from None
        if not self._fits(deadline, wait):  # the publish's time is up: the rest comes later
            raise SpotifyOverdue(wait) from None
        log.info("%s; retrying in %.2f s", what, wait)
        return wait

    def _fits_budget(self, started: float, wait: float) -> bool:
        return self._clock() - started + wait <= self.policy.budget_s

    def _fits(self, deadline: float | None, wait: float) -> bool:
        return deadline is None or self._clock() + wait <= deadline


class BoundedConnection:
    """A connection whose calls all end by one deadline: what a publish uses."""

    def __init__(self, connection: SpotifyConnection, deadline: float) -> None:
        self.connection = connection
        self.deadline = deadline

    def call(self, operation: Callable[[spotipy.Spotify], Result]) -> Result:
        return self.connection.call(operation, self.deadline)


class SpotifyCaller(Protocol):
    """What makes Spotify calls: a connection, or one bounded by a publish's deadline."""

    def call(self, operation: Callable[[spotipy.Spotify], Result]) -> Result: ...


def _outcome(status: int) -> str:
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "unauthorized" if status == 401 else "forbidden"
    return "server_error" if status >= 500 else "client_error"


class SpotifyConnector:
    """Makes the connection of each account, all sharing the app's rate-limit window and policy."""

    def __init__(
        self,
        authorization: SpotifyAuthorization,
        policy: CallPolicy = DEFAULT_POLICY,
        on_rotated: Callable[[str, str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.authorization = authorization
        self.policy = policy
        self.rate_limit = RateLimitWindow(clock)
        self._on_rotated = on_rotated
        self._sleep = sleep
        self._clock = clock

    def connect(
        self, slot: str, refresh_token: str, grant: TokenGrant | None = None
    ) -> SpotifyConnection:
        def rotated(new_token: str) -> None:
            if self._on_rotated is not None:
                self._on_rotated(slot, new_token)

        tokens = AccessTokens(self.authorization, refresh_token, rotated, grant=grant)
        return SpotifyConnection(
            tokens,
            self.authorization.endpoints,
            self.policy,
            self.rate_limit,
            self._sleep,
            self._clock,
        )


def _reason(exc: SpotifyException) -> str:
    # spotipy's message starts with the URL; keep only Spotify's own wording after it.
    text: Any = getattr(exc, "msg", "") or ""
    return str(text).split("\n", 1)[-1].strip()[:200] or "no reason given"
