"""Words a person reads (mood words, reasons, mode names) are marked with `N_` so the bot's
gettext catalogues pick them up (`make i18n`). They are English here; the bot sets the reader's
translation with `reading_in` while it builds a reply, and the reasons a ranker writes meanwhile
come out in that language (`spoken`). Nothing set: English."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token

Translate = Callable[[str], str]


def N_(message: str) -> str:
    return message


def same(message: str) -> str:
    """English: the words as written."""
    return message


_reader: ContextVar[Translate] = ContextVar("moodwave_reader", default=same)


def spoken(message: str) -> str:
    """`message` (a marked English string) in the language of the reply being built."""
    return _reader.get()(message)


def reading_in(translate: Translate) -> Token[Translate]:
    return _reader.set(translate)


def done_reading(token: Token[Translate]) -> None:
    _reader.reset(token)
