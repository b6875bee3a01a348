"""Refresh tokens at rest: Fernet encryption with a key derived from Moodwave's secret key, and the
vault that stores and reads Spotify accounts through `storage.spotify_credentials` in ciphertext only.

The secret key is any long random string (`MOODWAVE_SECRET_KEY`); HKDF turns it into one key per
purpose, so the token key and the OAuth `state` signing key never coincide. Older secret keys can be
given to keep reading tokens written before a key rotation; new tokens are always written with the
current one.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from recommender.spotify.errors import SpotifyNotAuthorized
from storage.spotify_credentials import BOT_SLOT, SpotifyCredentials, StoredAccount, user_slot

TOKEN_PURPOSE = b"moodwave spotify refresh tokens"
STATE_PURPOSE = b"moodwave spotify oauth state"
MIN_SECRET_KEY_LENGTH = 16


class TokenUnreadable(SpotifyNotAuthorized):
    """A stored token cannot be decrypted: the secret key changed or the row was tampered with."""


def derive_key(secret_key: str, purpose: bytes) -> bytes:
    """32 bytes for one purpose from the operator's secret key."""
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        raise ValueError(
            f"the secret key must be at least {MIN_SECRET_KEY_LENGTH} characters; "
            'generate one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
    return hkdf.derive(secret_key.encode())


class TokenCipher:
    """Encrypts and decrypts tokens with the current secret key, reading with older ones too."""

    def __init__(self, secret_key: str, previous_secret_keys: Sequence[str] = ()) -> None:
        keys = [secret_key, *previous_secret_keys]
        self._fernet = MultiFernet(
            [Fernet(base64.urlsafe_b64encode(derive_key(k, TOKEN_PURPOSE))) for k in keys]
        )

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, ValueError) as exc:
            raise TokenUnreadable(
                "a stored Spotify token cannot be decrypted with the current secret key; "
                "restore the old key (as a previous key) or run `moodwave spotify login` again"
            ) from exc


@dataclass(frozen=True)
class SpotifyAccount:
    """An account Moodwave may act for, with its refresh token in plain text (memory only)."""

    slot: str
    owner_user_id: int | None
    spotify_user_id: str
    display_name: str | None
    scope: str
    refresh_token: str = field(repr=False)


class TokenVault:
    """Stores and loads Spotify accounts; tokens cross into storage only encrypted."""

    def __init__(self, credentials: SpotifyCredentials, cipher: TokenCipher) -> None:
        self.credentials = credentials
        self.cipher = cipher

    def save(self, account: SpotifyAccount) -> None:
        self.credentials.save_account(
            StoredAccount(
                account.slot,
                account.owner_user_id,
                account.spotify_user_id,
                account.display_name,
                account.scope,
                self.cipher.encrypt(account.refresh_token),
            )
        )

    def load(self, slot: str) -> SpotifyAccount | None:
        stored = self.credentials.account(slot)
        if stored is None:
            return None
        return SpotifyAccount(
            stored.slot,
            stored.owner_user_id,
            stored.spotify_user_id,
            stored.display_name,
            stored.scope,
            self.cipher.decrypt(stored.refresh_token_encrypted),
        )

    def bot_account(self) -> SpotifyAccount | None:
        return self.load(BOT_SLOT)

    def linked_account(self, user_id: int) -> SpotifyAccount | None:
        return self.load(user_slot(user_id))

    def replace_refresh_token(self, slot: str, refresh_token: str) -> None:
        self.credentials.replace_refresh_token(slot, self.cipher.encrypt(refresh_token))

    def remove(self, slot: str) -> bool:
        return self.credentials.remove_account(slot)

    def linked_user_count(self) -> int:
        return self.credentials.linked_user_count()
