"""Which model reads a message: English (short chat messages included) stays with the English model
and its numbers; Spanish, German, French and Portuguese go to the multilingual model; the person's
language decides when the identifier is unsure, and a sure identification wins over it."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from nlp.language_id import LanguageIdentifier, base_code
from nlp.lexicon import LexiconEstimator
from nlp.mood import LanguageAwareEstimator, MoodEstimator
from nlp.multilingual import MultilingualMoodModel
from nlp.router import LanguageRouter, route_predictions

# Chat-length English that py3langid alone misreads (Dutch, German, Afrikaans, French, Spanish).
SHORT_ENGLISH = [
    "I feel meh",
    "I feel great",
    "I am happy",
    "my dog died",
    "im fine",
    "stressed",
    "kinda tired",
    "meh",
    "I hate mondays",
    "great day!!",
    "so sad",
]
ENGLISH = [
    "I am so happy today, everything is wonderful!",
    "I feel hopeless and alone tonight.",
    "anxious about the exam tomorrow",
]
OTHER = {
    "es": "Mi perro murió ayer y estoy destrozado.",
    "de": "Heute war ein wunderschöner Tag mit meinen Freunden.",
    "fr": "Je suis très triste aujourd'hui, tout va mal.",
    "pt": "Hoje estou muito triste porque não consegui o emprego que eu queria.",
}


@pytest.mark.parametrize("text", SHORT_ENGLISH + ENGLISH)
def test_english_without_a_hint_is_read_as_english(
    language_identifier: LanguageIdentifier, text: str
) -> None:
    assert language_identifier.reading_language(text) == "en"
    assert language_identifier.reading_language(text, "en") == "en"


@pytest.mark.parametrize(("language", "text"), OTHER.items())
def test_clear_sentences_in_other_languages_are_identified(
    language_identifier: LanguageIdentifier, language: str, text: str
) -> None:
    assert language_identifier.reading_language(text) == language
    # A sure identification wins over the person's language (an English speaker writing Spanish).
    assert language_identifier.reading_language(text, "en") == language


def test_the_hint_decides_when_the_identifier_is_unsure(
    language_identifier: LanguageIdentifier,
) -> None:
    assert language_identifier.reading_language("bien", "es") == "es"
    assert language_identifier.reading_language("ich bin traurig", "de") == "de"
    assert language_identifier.reading_language("I feel meh", "pt-BR") == "pt"
    assert language_identifier.reading_language("ich bin traurig") == "en"  # unsure, no hint
    # A long, plainly English message is English whatever the person's language.
    assert language_identifier.reading_language(ENGLISH[0], "es") == "en"


def test_base_codes() -> None:
    assert base_code("es-ES") == "es"
    assert base_code("pt_BR") == "pt"
    assert base_code(" ") is None
    assert base_code(None) is None


def test_english_text_gets_the_english_models_numbers(
    router: LanguageRouter, lexicon: LexiconEstimator
) -> None:
    assert isinstance(router, LanguageAwareEstimator)
    texts = SHORT_ENGLISH + ENGLISH
    for routed, alone in zip(
        router.estimate_many(texts), lexicon.estimate_many(texts), strict=True
    ):
        assert (routed.valence, routed.arousal, routed.confidence) == (
            alone.valence,
            alone.arousal,
            alone.confidence,
        )
        assert routed.model_version == alone.model_version
        assert routed.language == "en"


def test_other_languages_go_to_the_multilingual_model(
    router: LanguageRouter, multilingual_model: MultilingualMoodModel
) -> None:
    for language, text in OTHER.items():
        mood = router.estimate(text)
        alone = multilingual_model.estimate(text)
        assert mood.language == language
        assert mood.model_version == multilingual_model.version
        assert mood.valence == pytest.approx(alone.valence, abs=1e-5)
    hinted = router.estimate_in("bien", "es")
    assert (hinted.language, hinted.model_version) == ("es", multilingual_model.version)
    assert router.estimate_in("bien", None).language == "en"


def test_a_mixed_batch_keeps_its_order(router: LanguageRouter) -> None:
    texts = [OTHER["es"], ENGLISH[0], OTHER["de"], "meh"]
    assert [m.language for m in router.estimate_many(texts)] == ["es", "en", "de", "en"]
    rows, other = route_predictions(
        texts,
        None,
        router.identifier,
        lambda batch: _rows(router.english, batch),
        lambda batch: _rows(router.multilingual, batch),
    )
    assert other == 2
    assert rows[1, 0] == pytest.approx(router.english.estimate(texts[1]).valence, abs=1e-6)


def _rows(estimator: MoodEstimator, texts: list[str]) -> npt.NDArray[np.float32]:
    moods = estimator.estimate_many(texts)
    return np.asarray([[m.valence, m.arousal] for m in moods], dtype=np.float32)
