"""Which Spotify account publishes for whom: the bot-owned account by default, a user's own account
once they have linked it.

A development-mode Spotify app admits only 5 users (each added by hand in the developer dashboard),
so at most `max_linked_users` people can link; beyond that, and for anyone Spotify refuses (403: not
on the app's list), playlists come from the bot-owned account and are shared by link. Each account has
its own connection and tokens, kept apart by the account's slot, so one person's tokens are never used
for another's playlist. Linking runs the same authorization code flow as the operator's login, with a
`state` signed for the user and remembered by its nonce until used: one link per person, once.
Playlists are private unless the operator makes them public (`public_playlists`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from recommender.publishing import (
    PlaylistDraft,
    PlaylistPublisher,
    PublishedPlaylist,
    TrackLinksPublisher,
)
from recommender.spotify.client import SpotifyConnection, SpotifyConnector
from recommender.spotify.deferred import DeferredPlaylists, Runner
from recommender.spotify.errors import (
    AuthorizationRejected,
    LinkingUnavailable,
    SpotifyError,
    SpotifyForbidden,
    SpotifyNotAuthorized,
)
from recommender.spotify.oauth import SpotifyAuthorization, StateSigner, TokenGrant
from recommender.spotify.publisher import SpotifyPublisher
from recommender.spotify.search import TrackResolver
from recommender.spotify.tokens import SpotifyAccount, TokenVault
from storage.spotify_credentials import BOT_SLOT, user_slot

log = logging.getLogger(__name__)

DEVELOPMENT_MODE_USER_LIMIT = 5
LINK_PURPOSE = "link"
BOT_LOGIN_PURPOSE = "bot"


@dataclass(frozen=True)
class LinkedAccount:
    user_id: int
    spotify_user_id: str
    display_name: str | None


class SpotifyAccounts:
    """The bot-owned account and the users' linked accounts, each with its own publisher."""

    def __init__(
        self,
        vault: TokenVault,
        connector: SpotifyConnector,
        signer: StateSigner,
        resolver: TrackResolver,
        deferred: DeferredPlaylists | None = None,
        max_linked_users: int = DEVELOPMENT_MODE_USER_LIMIT,
        public_playlists: bool = False,
    ) -> None:
        self.vault = vault
        self.connector = connector
        self.signer = signer
        self.resolver = resolver
        self.deferred = deferred
        self.max_linked_users = max_linked_users
        self.public_playlists = public_playlists
        self._connections: dict[str, SpotifyConnection] = {}
        self._lock = threading.Lock()

    @property
    def authorization(self) -> SpotifyAuthorization:
        return self.connector.authorization

    # -- publishing ----------------------------------------------------------------------------

    def publisher(self) -> PlaylistPublisher:
        """The bot-owned account's publisher; links until `moodwave spotify login` has run."""
        return _BotOwnedPublisher(self)

    def publisher_for(self, user_id: int) -> PlaylistPublisher:
        """The user's own account when linked, else the bot-owned one."""
        bot = self.publisher()
        try:
            connection = self._connection(user_slot(user_id))
        except SpotifyError as exc:
            log.warning("linked Spotify account unusable, using the bot-owned one: %s", exc)
            return bot
        if connection is None:
            return bot
        return SpotifyPublisher(
            connection,
            self.resolver,
            self.deferred,
            fallback=bot,
            public=self.public_playlists,
            account=user_slot(user_id),
        )

    def runner_for(self, account: str) -> Runner | None:
        """What finishes a delayed playlist of this account slot; None when the account is gone."""
        publisher = self._publisher_of(account)
        return publisher.complete if publisher is not None else None

    def discard(self, account: str, playlist_id: str) -> None:
        publisher = self._publisher_of(account)
        if publisher is not None:
            publisher.discard(playlist_id)

    def _publisher_of(self, account: str) -> SpotifyPublisher | None:
        try:
            connection = self._connection(account)
        except SpotifyError as exc:
            log.warning("Spotify account %s unusable for a delayed playlist: %s", account, exc)
            return None
        if connection is None:
            return None
        return SpotifyPublisher(
            connection, self.resolver, public=self.public_playlists, account=account
        )

    def bot_connection(self) -> SpotifyConnection | None:
        return self._connection(BOT_SLOT)

    def _connection(self, slot: str) -> SpotifyConnection | None:
        # The row is read each time: a forgotten user, an unlink or a new login in another
        # process (`moodwave spotify login`) must take effect at the next playlist.
        account = self.vault.load(slot)
        with self._lock:
            cached = self._connections.get(slot)
            if account is None:
                self._connections.pop(slot, None)
                return None
            if cached is not None and cached.tokens.refresh_token == account.refresh_token:
                return cached
            connection = self.connector.connect(slot, account.refresh_token)
            self._connections[slot] = connection
            return connection

    def forget_connection(self, slot: str) -> None:
        """Drop the cached connection (after a new login, an unlink or a forgotten user)."""
        with self._lock:
            self._connections.pop(slot, None)

    # -- the operator's login ------------------------------------------------------------------

    def bot_login_url(self) -> str:
        return self.authorization.authorize_url(self.signer.issue(BOT_LOGIN_PURPOSE))

    def complete_bot_login(self, code: str, state: str) -> SpotifyAccount:
        self.signer.verify(state, BOT_LOGIN_PURPOSE)
        return self._store_grant(BOT_SLOT, None, self.authorization.exchange_code(code))

    # -- users linking their own account -------------------------------------------------------

    def can_link(self, user_id: int) -> bool:
        if self.vault.linked_account(user_id) is not None:
            return True  # relinking does not take another place
        return self.vault.linked_user_count() < self.max_linked_users

    def link_url(self, user_id: int) -> str:
        """The person's one link: its state is remembered by nonce, so it works once, and a new
        link replaces the one before."""
        if not self.can_link(user_id):
            raise LinkingUnavailable(self._full_message())
        state = self.signer.issue(LINK_PURPOSE, user_id)
        issued = self.signer.verify(state, LINK_PURPOSE)
        expires = datetime.fromtimestamp(issued.expires_at, UTC)
        self.vault.credentials.expect_link(user_id, _digest(issued.nonce), expires)
        return self.authorization.authorize_url(state)

    def complete_link(self, code: str, state: str) -> LinkedAccount:
        found = self.signer.verify(state, LINK_PURPOSE)
        user_id = found.user_id
        if user_id is None:
            raise LinkingUnavailable("this Spotify link names no Moodwave user; start again")
        if not self.vault.credentials.consume_link(user_id, _digest(found.nonce)):
            raise AuthorizationRejected(
                "this Spotify link was already used, or a newer one replaced it; send "
                "/spotify link to Moodwave in a private chat for a new one"
            )
        if not self.can_link(user_id):
            raise LinkingUnavailable(self._full_message())
        grant = self.authorization.exchange_code(code)
        try:
            account = self._store_grant(user_slot(user_id), user_id, grant)
        except SpotifyForbidden as exc:
            raise LinkingUnavailable(
                "Spotify does not let this app use your account yet (a development-mode app "
                "works only for the people its operator added); your playlists keep coming from "
                "Moodwave's account"
            ) from exc
        return LinkedAccount(user_id, account.spotify_user_id, account.display_name)

    def unlink(self, user_id: int) -> bool:
        self.forget_connection(user_slot(user_id))
        return self.vault.remove(user_slot(user_id))

    def _store_grant(
        self, slot: str, owner_user_id: int | None, grant: TokenGrant
    ) -> SpotifyAccount:
        if not grant.refresh_token:
            raise SpotifyNotAuthorized("Spotify gave no refresh token; start again")
        probe = self.connector.connect(slot, grant.refresh_token, grant)
        me = probe.call(lambda sp: sp.me())
        account = SpotifyAccount(
            slot,
            owner_user_id,
            str(me["id"]),
            me.get("display_name"),
            grant.scope,
            probe.tokens.refresh_token,
        )
        self.vault.save(account)
        self.forget_connection(slot)
        log.info("Spotify account stored in slot %s", slot)
        return account

    def _full_message(self) -> str:
        return (
            f"Moodwave's Spotify app is in development mode, which allows {self.max_linked_users} "
            "linked people, and they are all taken; your playlists come from Moodwave's account "
            "and are shared by link"
        )


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


class _BotOwnedPublisher:
    """Publishes with the bot-owned account, looked up at each publish so a login made while the
    bot runs takes effect; links while there is none."""

    def __init__(self, accounts: SpotifyAccounts) -> None:
        self.accounts = accounts
        self.links = TrackLinksPublisher()

    def publish(self, draft: PlaylistDraft) -> PublishedPlaylist:
        try:
            connection = self.accounts.bot_connection()
        except SpotifyError as exc:  # e.g. the stored token no longer decrypts
            log.warning("bot-owned Spotify account unusable, sending links: %s", exc)
            return self.links.publish(draft)
        if connection is None:
            return self.links.publish(draft)
        publisher = SpotifyPublisher(
            connection,
            self.accounts.resolver,
            self.accounts.deferred,
            fallback=self.links,
            public=self.accounts.public_playlists,
        )
        return publisher.publish(draft)
