"""Keeping Spotify secrets out of logs: spotipy logs each request's headers (the bearer token, the
app's Basic credentials) and token-endpoint bodies (authorization codes, refresh tokens) at DEBUG,
and uvicorn's access log shows the OAuth callback's query string with its code. `protect_logs`
installs a filter on exactly those loggers that blanks such values before any handler sees them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

# Loggers that see request lines, headers or bodies of Spotify calls (uvicorn's access log sees the
# OAuth callback's query string, which carries the authorization code).
CHATTY_LOGGERS = (
    "spotipy",
    "spotipy.client",
    "spotipy.oauth2",
    "urllib3",
    "urllib3.connectionpool",
)
CALLBACK_LOGGERS = ("uvicorn.access", "uvicorn.error")
_SECRETS = re.compile(
    r"(?P<lead>(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]+"
    r"|(?P<key>['\"]?(?:access_token|refresh_token|client_secret|code|state)['\"]?\s*[:=]\s*['\"]?)"
    r"[^'\"&\s,}]+",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """The text with bearer/basic credentials, tokens, codes and states blanked."""
    return _SECRETS.sub(lambda m: (m.group("lead") or m.group("key")) + REDACTED, text)


class SecretRedactingFilter(logging.Filter):
    """Rewrites a record's message and string arguments with `redact` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


_FILTER = SecretRedactingFilter()


def protect_logs() -> None:
    """Install the redacting filter on the loggers that see Spotify traffic (idempotent)."""
    for name in (*CHATTY_LOGGERS, *CALLBACK_LOGGERS):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
