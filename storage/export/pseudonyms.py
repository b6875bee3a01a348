"""Pseudonymous ids for exports: keyed HMACs under the operator's research secret.

A person's export id is HMAC-SHA256 of their stored random pseudonym (`user.pseudonym`, never
derived from a platform id). A recommendation's export id is HMAC-SHA256 of its database row id
under a second key derived from the same secret (so the two kinds of id never share a hash input).
So the same person (or recommendation) gets the same id in every export made with the same secret,
someone holding an export cannot get back to the person or the database row (not even with the
database, without the secret), and rotating the secret unlinks old exports from new ones.
"""

from __future__ import annotations

import hashlib
import hmac

MIN_SECRET_CHARS = 16
PREFIX = "p_"
RECOMMENDATION_PREFIX = "r_"
DIGEST_HEX_CHARS = 24  # 96 bits: no collisions in practice at any realistic number of rows
# Derives the recommendation ids' key from the secret (a fixed label: HMAC as a KDF).
RECOMMENDATION_KEY_LABEL = b"moodwave export: recommendation ids"


class Pseudonymizer:
    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(
                f"the research secret must be at least {MIN_SECRET_CHARS} characters long"
            )
        self._key = secret.encode()
        self._recommendation_key = hmac.new(
            self._key, RECOMMENDATION_KEY_LABEL, hashlib.sha256
        ).digest()

    def __call__(self, stored_pseudonym: str) -> str:
        """A person's export id."""
        return PREFIX + _digest(self._key, stored_pseudonym)

    def recommendation(self, row_id: int) -> str:
        """A recommendation's export id, from its database row id."""
        return RECOMMENDATION_PREFIX + _digest(self._recommendation_key, str(row_id))

    def __repr__(self) -> str:  # never show the key
        return "Pseudonymizer(secret=***)"


def _digest(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:DIGEST_HEX_CHARS]
