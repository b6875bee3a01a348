"""The reply catalogues: every language has every message with the same placeholders, a missing
string reads in English, and replies follow the chosen or the platform's language."""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.core import languages, replies
from bot.core.events import Outgoing
from bot.core.people import Person
from nlp import Mood
from recommender import Mode, Song, TasteProfile, reason_for

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [code for code in languages.LANGUAGES if code != languages.DEFAULT]


def source_messages() -> set[str | tuple[str, ...]]:
    """Every string the code marks for translation, extracted as `make i18n` does."""
    found: set[str | tuple[str, ...]] = set()
    for folder, pattern in (
        ("bot/core", "**.py"),
        ("recommender", "reasons.py"),
        ("recommender", "modes.py"),
        ("recommender", "groups.py"),
        ("bot/adapters/telegram", "menu.py"),
        ("bot/adapters/discord", "commands.py"),
    ):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, [(pattern, "python")]
        ):
            found.add(message)
    return found


def fields(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalogue_has_every_message_with_its_placeholders(language: str) -> None:
    path = languages.LOCALES / language / "LC_MESSAGES" / "moodwave.po"
    catalogue = read_po(path.open("rb"), locale=language)
    expected = source_messages()
    assert len(expected) > 100
    ids = {message.id for message in catalogue if message.id}
    assert expected - ids == set(), f"{language}: untranslated, run `make i18n`"
    for message in catalogue:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        singular = str(message.id[0] if isinstance(message.id, tuple) else message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translations = [str(t or "") for t in strings]
        assert all(translations), f"{language}: empty translation of {singular!r}"
        for translation in translations:
            assert fields(translation) == fields(singular), (language, singular, translation)


def test_the_template_lists_what_the_code_marks() -> None:
    template = read_po((languages.LOCALES / "moodwave.pot").open("rb"))
    assert {m.id for m in template if m.id} == source_messages()


@pytest.fixture
def half_spanish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A Spanish catalogue without the apology and without one of the mood words."""
    source = languages.LOCALES / "es" / "LC_MESSAGES" / "moodwave.po"
    catalogue = read_po(source.open("rb"), locale="es")
    catalogue.delete(replies.APOLOGY)
    catalogue.delete("steady")
    target = tmp_path / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "moodwave.po").open("wb") as out:
        write_po(out, catalogue)
    monkeypatch.setattr(languages, "LOCALES", tmp_path)
    languages.catalogue.cache_clear()
    yield
    languages.catalogue.cache_clear()


def test_a_missing_string_reads_in_english_never_as_a_key(half_spanish: None) -> None:
    with languages.speaking("es"):
        assert languages.localize(Outgoing(replies.APOLOGY)).text == replies.APOLOGY
        assert languages.localize(Outgoing(replies.NO_SONGS)).text.startswith("No encontré")
        assert replies.describe_mood(Mood(-0.5, 0.0, 1.0, "t", "t")).startswith("tenso y steady")


def test_mood_words_and_plurals_are_translated() -> None:
    mood = Mood(-0.5, 0.0, 1.0, "t", "t")
    assert replies.describe_mood(mood).startswith("tense and steady")
    with languages.speaking("es"):
        assert replies.describe_mood(mood) == "tenso y estable (valencia -0.50, activación +0.00)"
        assert "2 horas" in replies.checkin_delay_set(timedelta(hours=2))
    with languages.speaking("de"):
        assert "1 Minute nach" in replies.checkin_delay_set(timedelta(minutes=1))
        assert replies.checkin_question(None, mood).startswith("Wie fühlst du dich jetzt?")


@pytest.mark.parametrize(
    ("chosen", "platform", "language"),
    [
        (None, "es", "es"),
        (None, "pt-BR", "pt"),
        (None, "de_AT", "de"),
        (None, "ja", "en"),
        (None, None, "en"),
        ("fr", "es", "fr"),
    ],
)
def test_the_chosen_language_wins_over_the_platforms(
    chosen: str | None, platform: str | None, language: str
) -> None:
    assert languages.choose(chosen, platform) == language


def test_song_reasons_are_in_the_readers_language() -> None:
    song = Song("t1", "Song", "Band", 0.6, 0.6, ("pop",))
    taste = TasteProfile(liked_tracks=frozenset({"t1"}))
    mood = Mood(0.6, 0.6, 1.0, "t", "t")
    assert reason_for(song, taste, mood) == "joyful and energetic pop, you liked this one before"
    with languages.speaking("es"):
        assert reason_for(song, taste, mood) == "alegre y enérgico pop, ya te gustó antes"


def test_language_names_are_understood() -> None:
    assert languages.by_name("Español") == "es"
    assert languages.by_name("german") == "de"
    assert languages.by_name("klingon") is None


def test_the_language_a_person_speaks_is_a_hint_for_their_voice_notes() -> None:
    def person(chosen: str | None, platform: str | None) -> Person:
        return Person(1, "p", None, Mode.MATCH, True, None, False, False, chosen, platform)

    assert person(None, "pt-BR").spoken_language == "pt"
    assert person("de", "pt-BR").spoken_language == "de"
    assert person(None, "uk").spoken_language == "uk"  # no replies in Ukrainian, but a hint
    assert person(None, None).spoken_language is None
