"""What can go wrong when Moodwave talks to Spotify, as exceptions the caller can act on.

Every one of them means "send the playlist as track links"; some say more: `SpotifyRateLimited`
carries how long Spotify asked us to wait (so the playlist can be created later), and
`SpotifyNotAuthorized` means an operator or user must log in again. Messages never contain a token.
"""

from __future__ import annotations


class SpotifyError(Exception):
    """Spotify could not do what was asked; the playlist goes out as links."""


class SpotifyRateLimited(SpotifyError):
    """Spotify answered 429 with a Retry-After longer than we are willing to wait now."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"Spotify asked us to wait {retry_after:.0f} s before calling again")
        self.retry_after = retry_after


class SpotifyOverdue(SpotifyError):
    """A publish ran out of its time (`CallPolicy.publish_deadline_s`) before Spotify was done:
    the person gets links now and the playlist is finished later."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("the Spotify playlist ran out of time; it is finished later")
        self.retry_after = retry_after


class SpotifyUnavailable(SpotifyError):
    """Spotify failed (5xx, timeout, connection refused) more often than we retry."""


class SpotifyNotAuthorized(SpotifyError):
    """The account's tokens are missing, expired beyond refresh, or revoked: log in again."""


class SpotifyForbidden(SpotifyError):
    """Spotify refused the account (403), e.g. a user not on a development-mode app's list."""


class AuthorizationRejected(SpotifyError):
    """The authorization round trip failed: the person declined, the state was forged or expired,
    or Spotify refused the code. The message says which, in words a person can act on."""


class LinkingUnavailable(SpotifyError):
    """No more users can link their own Spotify (the development-mode app limit is reached)."""
