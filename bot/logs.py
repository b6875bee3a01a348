"""Logging for the `moodwave` command and the core process: to stderr at the chosen level, with
secrets taken out of every record before any handler writes it.

httpx logs each request's URL at INFO, and Telegram's Bot API puts the bot's token in the URL
(`https://api.telegram.org/bot<token>/getUpdates`); an error's traceback can carry the same URL. So
every handler of the root logger gets a filter that replaces the values of the secret settings, and
anything shaped like a bot token in a Bot API path, in the message and in the traceback.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from pydantic import SecretStr

from bot.settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HIDDEN = "********"
# A Bot API path: /bot<id>:<secret>/method, or /file/bot<id>:<secret>/path for downloads.
_BOT_TOKEN_IN_PATH = re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+")
_SHORTEST_SECRET = 6  # shorter values would mask ordinary words


class HideSecrets(logging.Filter):
    """Rewrites each record with the secrets replaced; never drops one."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is hidden whole.
        self.secrets = sorted(
            {s for s in secrets if len(s) >= _SHORTEST_SECRET}, key=len, reverse=True
        )

    def hide(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        return _BOT_TOKEN_IN_PATH.sub(rf"\1{HIDDEN}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format: left for the handler to report, as logging does
            return True
        record.msg, record.args = self.hide(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.hide(record.exc_text)
        if record.stack_info:
            record.stack_info = self.hide(record.stack_info)
        return True


def secrets_of(settings: Settings) -> list[str]:
    """The values of the secret settings, and the database URL's password."""
    found = [
        value.get_secret_value()
        for name in type(settings).model_fields
        if isinstance(value := getattr(settings, name), SecretStr)
    ]
    try:
        from sqlalchemy.engine import make_url

        password = make_url(settings.effective_database_url).password
    except Exception:  # a URL that does not parse: it fails later, with its own message
        password = None
    if password:
        found.append(str(password))
    return found


def configure_logging(level: int, settings: Settings) -> None:
    """Log to stderr at `level` (a handler is added only when there is none yet), every record
    passed through `HideSecrets` for this deployment's secrets."""
    logging.basicConfig(format=LOG_FORMAT, stream=sys.stderr)
    root = logging.getLogger()
    root.setLevel(level)
    hide = HideSecrets(secrets_of(settings))
    for handler in root.handlers:
        for earlier in [f for f in handler.filters if isinstance(f, HideSecrets)]:
            handler.removeFilter(earlier)
        handler.addFilter(hide)
