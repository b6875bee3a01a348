"""The languages Moodwave replies in: gettext catalogues (Babel) per language, the language of the
reply being built, and the choice between the person's own pick (/language) and the platform's.

The catalogues' sources are the `.po` files under `bot/locales/LANG/LC_MESSAGES/moodwave.po`; they
are compiled in memory with Babel when first used, so a clean clone, an installed wheel and a test
run read the same files and no compiled `.mo` can go stale. English is the source language: the
message ids are the English sentences, so a string missing from a catalogue (or an unknown
language) reads in English, never as a key.

Replies are built under `speaking(language)`: functions in `bot.core.replies` translate with `_`
and `ngettext` as they format, and `localize` translates a finished reply's text and button
labels that are whole messages (the constants in `bot.core.replies`, marked with `N_`)."""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.core.events import Button, Outgoing, command_action
from nlp.language_id import base_code
from recommender import wording

DOMAIN = "moodwave"
LOCALES = Path(__file__).resolve().parent.parent / "locales"
DEFAULT = "en"
# Code -> the language's own name, as /language lists them.
LANGUAGES = {
    "en": "English",
    "es": "Español",
    "de": "Deutsch",
    "fr": "Français",
    "pt": "Português",
}

_ENGLISH_NAMES = {
    "en": "English",
    "es": "Spanish",
    "de": "German",
    "fr": "French",
    "pt": "Portuguese",
}

_current: ContextVar[str] = ContextVar("moodwave_language", default=DEFAULT)


def N_(message: str) -> str:
    """Marks a constant for the catalogues; it is translated when the reply is localized."""
    return message


def supported(code: str | None) -> str | None:
    """The catalogue for a platform's or a person's language code ("es", "pt-BR", "de_AT",
    Discord's "es-ES"), or None when Moodwave does not speak it."""
    base = base_code(code)
    return base if base in LANGUAGES else None


def by_name(name: str) -> str | None:
    """The code of a language named in its own words or in English ("español", "German")."""
    key = name.strip().lower()
    for code, own in LANGUAGES.items():
        if key in (own.lower(), _ENGLISH_NAMES[code].lower()):
            return code
    return None


def choose(chosen: str | None, platform: str | None) -> str:
    """The person's own choice first, then the platform's language, then English."""
    return supported(chosen) or supported(platform) or DEFAULT


@cache
def catalogue(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of one language; English (and anything unknown) is the identity."""
    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or language not in LANGUAGES or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        messages = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, messages)  # fuzzy and empty entries left out: they fall back to English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def current() -> str:
    return _current.get()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Replies built inside are in `language` (a supported code)."""
    token = _current.set(supported(language) or DEFAULT)
    reader = wording.reading_in(_)  # reasons the rankers write meanwhile
    try:
        yield
    finally:
        wording.done_reading(reader)
        _current.reset(token)


def _(message: str) -> str:
    return catalogue(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(_current.get()).ngettext(singular, plural, n)


def localize(out: Outgoing) -> Outgoing:
    """A finished reply in the current language: its text and button labels when they are whole
    catalogue messages (text already formatted in the language passes through unchanged)."""
    if _current.get() == DEFAULT:
        return out
    buttons = tuple(tuple(Button(_whole(b.label), b.action) for b in row) for row in out.buttons)
    return replace(out, text=_whole(out.text), buttons=buttons)


def _whole(message: str) -> str:
    return _(message) if message else message  # gettext("") is the catalogue's header


# The words of /language itself.
def language_menu(current: str, chosen: bool) -> Outgoing:
    """/language alone: the language replies are in now, and a button per language."""
    if chosen:
        text = _("I reply in {language}, as you chose.")
    else:
        text = _("I reply in {language}, your app's language.")
    rows = (
        tuple(Button(name, command_action("language", code)) for code, name in LANGUAGES.items()),
        (Button(_("Follow my app's language"), command_action("language", "auto")),),
    )
    more = _("Choose another with /language CODE ({codes}), or /language auto.").format(
        codes=", ".join(LANGUAGES)
    )
    return Outgoing(text.format(language=LANGUAGES[current]) + " " + more, rows)


def language_set(language: str, auto: bool) -> str:
    name = LANGUAGES[language]
    if auto:
        return _("Got it: I follow your app's language, {language} for now.").format(language=name)
    return _("Got it: I reply in {language} from now on.").format(language=name)


def language_unknown(word: str) -> str:
    return _('I don\'t speak "{word}" yet. I can reply in: {choices}.').format(
        word=word,
        choices=", ".join(f"{name} ({code})" for code, name in LANGUAGES.items()),
    )
