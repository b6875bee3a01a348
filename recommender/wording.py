"""Words a person reads (mood words, reasons, mode names) are marked with `N_` so the bot's
gettext catalogues pick them up (`make i18n`); they stay English here, and the bot translates them
when it speaks another language (`translate` arguments, `bot.core.languages`)."""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[[str], str]


def N_(message: str) -> str:
    return message


def same(message: str) -> str:
    """English: the words as written."""
    return message
