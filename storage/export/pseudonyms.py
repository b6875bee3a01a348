"""Pseudonymous person ids for exports: a keyed HMAC of the person's stored random pseudonym.

The stored pseudonym (`user.pseudonym`) is random and never derived from a platform id, and the
export id is HMAC-SHA256 of it under the operator's research secret. So the same person gets the
same id in every export made with the same secret, someone holding an export cannot get back to the
person (not even with the database, without the secret), and rotating the secret unlinks old
exports from new ones.
"""

from __future__ import annotations

import hashlib
import hmac

MIN_SECRET_CHARS = 16
PREFIX = "p_"
DIGEST_HEX_CHARS = 24  # 96 bits: no collisions in practice at any realistic number of people


class Pseudonymizer:
    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(
                f"the research secret must be at least {MIN_SECRET_CHARS} characters long"
            )
        self._key = secret.encode()

    def __call__(self, stored_pseudonym: str) -> str:
        digest = hmac.new(self._key, stored_pseudonym.encode(), hashlib.sha256).hexdigest()
        return PREFIX + digest[:DIGEST_HEX_CHARS]

    def __repr__(self) -> str:  # never show the key
        return "Pseudonymizer(secret=***)"
