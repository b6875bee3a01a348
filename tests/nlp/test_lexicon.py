"""The lexicon estimator: direction of valence and arousal, chat-text rules, its EmoBank floor."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp import Mood, MoodEstimator
from nlp.evaluate_lexicon import evaluate_lexicon
from nlp.lexicon import VERSION, LexiconEstimator, tokenize


def test_is_a_mood_estimator(lexicon: LexiconEstimator) -> None:
    assert isinstance(lexicon, MoodEstimator)
    assert lexicon.version == VERSION
    assert len(lexicon) > 13_000


def test_sad_has_lower_valence_than_happy(lexicon: LexiconEstimator) -> None:
    sad, happy = lexicon.estimate("I feel so sad today"), lexicon.estimate("I feel happy today")
    assert sad.valence < 0 < happy.valence
    assert sad.is_readable and happy.is_readable


def test_calm_has_lower_arousal_than_excited(lexicon: LexiconEstimator) -> None:
    assert lexicon.estimate("calm and relaxed").arousal < lexicon.estimate("excited").arousal


@pytest.mark.parametrize(
    "negated", ["not happy at all", "I'm not happy", "I don't feel happy", "never been happy"]
)
def test_negation_lowers_valence(lexicon: LexiconEstimator, negated: str) -> None:
    assert lexicon.estimate(negated).valence < 0 < lexicon.estimate("happy").valence


def test_negation_ends_with_the_clause(lexicon: LexiconEstimator) -> None:
    assert lexicon.estimate("no work today, happy").valence > 0


def test_intensifier_and_diminisher_scale_the_reading(lexicon: LexiconEstimator) -> None:
    plain = lexicon.estimate("sad").valence
    assert lexicon.estimate("extremely sad").valence < plain < lexicon.estimate("a bit sad").valence


@pytest.mark.parametrize("text", ["", "   ", "qwzx blorp fnord", "the and of it", "!!!"])
def test_nothing_to_read_is_neutral_with_no_confidence(
    lexicon: LexiconEstimator, text: str
) -> None:
    mood = lexicon.estimate(text)
    assert (mood.valence, mood.arousal, mood.confidence) == (0.0, 0.0, 0.0)
    assert not mood.is_readable


def test_confidence_grows_with_emotional_words(lexicon: LexiconEstimator) -> None:
    one = lexicon.estimate("sad").confidence
    three = lexicon.estimate("sad, lonely and miserable").confidence
    assert 0 < one < three <= 1


def test_long_text_is_read_from_its_start(lexicon: LexiconEstimator) -> None:
    text = ("what a wonderful happy day " * 2_000)[:50_000]
    mood = lexicon.estimate(text)
    assert mood.valence > 0.5
    assert len(tokenize(text)) == 2_000


@pytest.mark.parametrize(("emoji", "sign"), [("😢", -1), ("😊", 1), ("😡", -1)])
def test_emoji_carry_mood(lexicon: LexiconEstimator, emoji: str, sign: int) -> None:
    mood = lexicon.estimate(emoji)
    assert mood.is_readable
    assert mood.valence * sign > 0


def test_sleepy_emoji_is_low_arousal(lexicon: LexiconEstimator) -> None:
    assert lexicon.estimate("😴").arousal < 0


def test_emoji_is_outside_a_negation(lexicon: LexiconEstimator) -> None:
    assert lexicon.estimate("I can't even 😢").valence < 0


@pytest.mark.parametrize(("elongated", "plain"), [("sooo happyyyy", "so happy"), ("goood", "good")])
def test_elongated_words_read_like_plain_ones(
    lexicon: LexiconEstimator, elongated: str, plain: str
) -> None:
    assert lexicon.estimate(elongated) == lexicon.estimate(plain)


def test_case_punctuation_and_curly_apostrophes(lexicon: LexiconEstimator) -> None:
    assert lexicon.estimate("HAPPY!!!").valence > 0
    assert tokenize("Don’t") == ["do", "not"]


@pytest.mark.parametrize(("inflected", "lemma"), [("happily", "happy"), ("feelings", "feeling")])
def test_suffixes_fall_back_to_the_lemma(
    lexicon: LexiconEstimator, inflected: str, lemma: str
) -> None:
    assert lexicon.lookup(inflected) == lexicon.lookup(lemma) is not None


def test_estimate_many_matches_estimate(lexicon: LexiconEstimator) -> None:
    texts = ["happy", "", "terrified and angry"]
    assert lexicon.estimate_many(texts) == [lexicon.estimate(t) for t in texts]


def test_from_csv_rejects_a_file_without_ratings(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("Word,V.Mean.Sum,A.Mean.Sum\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no word ratings"):
        LexiconEstimator.from_csv(path)


def test_norms_are_mapped_to_the_unit_range(tmp_path: Path) -> None:
    path = tmp_path / "norms.csv"
    path.write_text("Word,V.Mean.Sum,A.Mean.Sum\njoy,9,1\nbad,x,3\n", encoding="utf-8")
    estimator = LexiconEstimator.from_csv(path)
    assert len(estimator) == 1
    assert estimator.estimate("joy") == Mood(
        1.0, -1.0, estimator.estimate("joy").confidence, "text", VERSION
    )


def test_emobank_dev_correlation_floor(lexicon: LexiconEstimator, emobank_csv: Path) -> None:
    # Measured on dev: r_valence 0.473, r_arousal 0.213 (`python -m nlp.evaluate_lexicon`).
    result = evaluate_lexicon(lexicon, emobank_csv, "dev", calibrate_on=None)
    assert result["n"] == 1000
    assert result["r_valence"] > 0.42
    assert result["r_arousal"] > 0.15
